# kunpeng920-smmuv3 - HiSilicon Kunpeng 920 with an Arm SMMUv3, as in the
# seed thread (ZIP engine behind the SMMU, Linux 5.7-era arm-smmu-v3).
#
# Calibration (DESIGN.md section 10):
#  - 4 KiB dma_unmap_single, 1 thread: 1956 ns in all, of which queue issue
#    1328 ns and CMD_SYNC wait 883 ns (Song Bao Hua, iommu list, 25 May 2020).
#    The issue figure includes the CPU's own command writes, the queue lock and
#    the producer-pointer update; we charge 1050 ns of CPU issue per batch,
#    and the hardware 600 ns per TLBI-by-VA plus 250 ns for CMD_SYNC, so one
#    unmap pays ~1.9 us plus the software path.
#  - CMD_SYNC on an empty queue: ~190-280 ns -> sync_ns = 250.
#  - dma_map_benchmark (2021): 4 KiB map ~0.1 us: maps issue no command, so map
#    cost is the software path alone.
#  - IOTLB geometry: 2048 entries, 4-way, after gem5's SMMUv3 model
#    (src/dev/arm/SMMUv3.py, tlb_entries / tlb_assoc).
#  - Page-walk cost on an IOTLB miss: ~300 ns, an estimate (4 dependent memory
#    reads); no published figure for this part.
#  - Queue model: the 5.7 driver batches lock-free (since Linux 5.4); with two
#    CPUs here the difference to a lock is small.  'lock' would model 5.3.
name = kunpeng920-smmuv3
description = HiSilicon Kunpeng 920 + SMMUv3, calibrated on the 2020 iommu-list figures
iotlb_sets = 512
iotlb_ways = 4
cmdq_model = lockfree
cmdq_issue_ns = 1050
cmdq_issue_per_cmd_ns = 30
inv_range_ns = 600
inv_domain_ns = 800
inv_all_ns = 1000
sync_ns = 250
iotlb_miss_ns = 300
source = Song Bao Hua, "Constantly map and unmap of streaming DMA buffers with IOMMU backend might cause serious performance problem", iommu list, May 2020
source = Song Bao Hua, follow-up with per-thread unmap breakdown (issue vs CMD_SYNC), iommu list, 25 May 2020
source = Linux tools/testing/selftests/dma/dma_map_benchmark results on SMMUv3 (2021): 4 KiB 1 thread map 0.1 us / unmap 0.8 us
source = gem5 src/dev/arm/SMMUv3.py: main TLB 2048 entries, 4-way
note = page-walk cost is an estimate
