# kunpeng920-smmuv3 - HiSilicon Kunpeng 920 with an Arm SMMUv3, as in the
# seed thread (ZIP engine behind the SMMU), command queue under a lock.
#
# Which published figure fixed which parameter (docs/design.md section 10 only;
# bench/results/calibration.txt has the fit, the command and the table):
#
#  - The 2020 per-thread 4 KiB dma_unmap_single curve (Song Bao Hua, iommu
#    list, 25 May 2020): unmap 1956 ns with 1 thread, of which queue issue
#    1328 and CMD_SYNC wait 883; 8891 / 22043 / 60842 / 101880 ns with
#    16 / 32 / 64 / 96 threads.  This profile follows the 2020 figure (the
#    2021 benchmark's 0.8 us unmap disagrees; DESIGN 13).  Fitted together,
#    by a grid search in virtual time (dmabench map --cpus N -g 1):
#      cmdq_issue_ns (per lock acquisition: consumer read, producer write),
#      inv_range_ns (the queue's service per TLBI), inv_latency_ns (TLBI
#      completion beyond its service), cost_line_ns and
#      cost_line_contend_ns (the lock word's hand-off, and its slow-down
#      per spinning CPU: the curve grows faster than N), and
#      cost_tlb_gather_ns (the unmap's own path outside the queue: 1956 -
#      1328, less the map-side costs below).
#  - Queue model: 'lock' with every command inserted under its own
#    acquisition and CMD_SYNC polled after the release -- arm-smmu-v3 of
#    Linux 4.16-5.3 with MSI-signalled sync completion
#    (__arm_smmu_cmdq_issue_sync_msi).  The issue's "one spinlock around
#    build, issue and wait" (cmdq_sync_poll = locked) cannot reach the
#    16-thread figure: every unmap then holds the lock for its whole
#    TLBI + SYNC (>= 883 ns), so 16 threads wait >= 14 us, not 8.9.  The
#    2020 kernel (5.7) already had the lock-free queue; see
#    kunpeng920-smmuv3-lockfree for that submission on this hardware.
#  - sync_ns = 235: SMMUv3 CMD_SYNC on an empty queue, 190-280 ns.
#  - dma_map_benchmark on SMMUv3 (2021): 4 KiB map 0.1 us -> the map path
#    (dma_call + iova_fast + lock + pt_walk + pte_write) sums to ~100 ns;
#    64 KiB 0.2 us and 1 MiB 0.8 us -> pte_write 3 ns per page; 1 MiB
#    unmap 19.3 us -> inv_range_page_ns 72 per page beyond the first
#    ((19.3 - 0.8) us / 255: no range invalidation on this SMMU).
#  - IOTLB geometry: 2048 entries, 4-way, after gem5's SMMUv3 model.
#
# Not from a published figure (assumptions, stated so they can be replaced):
# iotlb_miss_ns (4 dependent memory reads), inv_domain_ns, inv_all_ns,
# dma_sync and reuse_call (a sync that needs no cache work, a reuse-layer
# call's own state and counters), iova_depot/iova_slow (a locked magazine
# swap, an rbtree walk),
# page_alloc/page_free/page_ref, copy_byte (~12 GB/s memcpy of one core),
# hash, slot, cmd_build, mmio (an uncached write across the interconnect),
# poll, irq and wakeup (interrupt to a woken thread, a scheduler wake-up),
# ring, dev_byte (20 GB/s of device DMA), zip_byte (~2 GB/s of ZIP engine),
# nic_byte (100 Gb/s).  They shape zswap and net, not the calibration.
name = kunpeng920-smmuv3
description = HiSilicon Kunpeng 920 + SMMUv3, lock-serialised queue, calibrated on the 2020 iommu-list curve
iotlb_sets = 512
iotlb_ways = 4
cmdq_model = lock
cmdq_lock_hold = command
cmdq_sync_poll = unlocked
cmdq_issue_ns = 210
cmdq_issue_per_cmd_ns = 20
inv_range_ns = 230
inv_range_page_ns = 72
inv_domain_ns = 800
inv_all_ns = 1000
inv_latency_ns = 850
sync_ns = 235
iotlb_miss_ns = 300
cost_dma_call_ns = 40
cost_dma_sync_ns = 10
cost_reuse_call_ns = 10
cost_iova_fast_ns = 25
cost_iova_depot_ns = 60
cost_iova_slow_ns = 150
cost_pte_write_ns = 3
cost_tlb_gather_ns = 450
cost_pt_walk_ns = 25
cost_page_alloc_ns = 200
cost_page_free_ns = 150
cost_page_ref_ns = 5
cost_lock_ns = 10
cost_line_ns = 40
cost_line_contend_ns = 3
cost_copy_byte_ns = 0.08
cost_hash_ns = 20
cost_slot_ns = 50
cost_cmd_build_ns = 10
cost_mmio_ns = 150
cost_poll_ns = 20
cost_irq_ns = 3000
cost_wakeup_ns = 2000
cost_ring_ns = 10
cost_dev_byte_ns = 0.05
cost_zip_byte_ns = 0.5
cost_nic_byte_ns = 0.08
source = Song Bao Hua, "Constantly map and unmap of streaming DMA buffers with IOMMU backend might cause serious performance problem", iommu list, May 2020
source = Song Bao Hua, follow-up with per-thread unmap breakdown (issue vs CMD_SYNC) at 1-96 threads, iommu list, 25 May 2020
source = Linux tools/testing/selftests/dma/dma_map_benchmark results on SMMUv3 (2021): 4 KiB 1 thread map 0.1 us / unmap 0.8 us; 64 KiB 0.2/2.0; 1 MiB 0.8/19.3
source = SMMUv3 CMD_SYNC latency on an empty queue, 190-280 ns (docs/design.md section 10)
source = Linux 4.16-5.3 drivers/iommu/arm-smmu-v3.c: per-command cmdq lock, MSI-polled CMD_SYNC outside it (facts only)
source = gem5 src/dev/arm/SMMUv3.py: main TLB 2048 entries, 4-way
note = page-walk, allocator, copy, interrupt and device costs are estimates, not calibrated
