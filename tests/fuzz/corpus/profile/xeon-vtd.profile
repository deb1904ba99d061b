# xeon-vtd - an x86 server's Intel VT-d remapping unit with queued
# invalidation (QI), as Linux's intel-iommu driver drives it.
#
# Queue model: qi_submit_sync() takes the QI spinlock, writes the
# invalidation descriptors and one wait descriptor, writes the tail register
# and polls the wait descriptor's status, dropping and re-taking the lock
# between polls -- so one acquisition covers the whole batch
# (cmdq_lock_hold = batch) and the wait is outside it (cmdq_sync_poll =
# unlocked; the re-acquisitions while polling are not modelled).  A
# page-selective invalidation covers a power-of-two range with one
# descriptor (address mask), so a range costs no more per page
# (inv_range_page_ns = 0).
#
# NOT CALIBRATED: docs/design.md section 10 has no VT-d figure, and this project
# calibrates on nothing else.  Every latency below is an estimate, chosen to
# be of the order the cited sources describe, not fitted to any curve:
#  - the tail-register write and a wait descriptor: a few hundred ns;
#  - one IOTLB invalidation through QI: ~800 cycles that batching saves per
#    descriptor (the 2024 QI batching series measured "roughly more than 800
#    cycles" less time in qi_submit_sync for a batched pair);
#  - software costs as kunpeng920-smmuv3's, x86 memcpy faster (~20 GB/s).
# Use it to compare queue models and strategies, not to predict a machine.
name = xeon-vtd
description = Intel VT-d with queued invalidation (lock per batch), estimates only: not calibrated
iotlb_sets = 64
iotlb_ways = 8
cmdq_model = lock
cmdq_lock_hold = batch
cmdq_sync_poll = unlocked
cmdq_issue_ns = 250
cmdq_issue_per_cmd_ns = 20
inv_range_ns = 200
inv_range_page_ns = 0
inv_domain_ns = 400
inv_all_ns = 600
inv_latency_ns = 400
sync_ns = 150
iotlb_miss_ns = 250
cost_dma_call_ns = 35
cost_dma_sync_ns = 8
cost_reuse_call_ns = 8
cost_iova_fast_ns = 20
cost_iova_depot_ns = 50
cost_iova_slow_ns = 150
cost_pte_write_ns = 3
cost_tlb_gather_ns = 150
cost_pt_walk_ns = 20
cost_page_alloc_ns = 150
cost_page_free_ns = 120
cost_page_ref_ns = 4
cost_lock_ns = 8
cost_line_ns = 50
cost_line_contend_ns = 3
cost_copy_byte_ns = 0.05
cost_hash_ns = 15
cost_slot_ns = 40
cost_cmd_build_ns = 8
cost_mmio_ns = 200
cost_poll_ns = 15
cost_irq_ns = 2500
cost_wakeup_ns = 1500
cost_ring_ns = 8
cost_dev_byte_ns = 0.05
cost_zip_byte_ns = 0.5
cost_nic_byte_ns = 0.08
source = Linux drivers/iommu/intel/dmar.c qi_submit_sync(): q_lock around descriptors + wait descriptor, tail write, lock dropped between status polls (facts only)
source = T. Zhang, L. Baolu, "iommu/vt-d: Batch IOTLB/dev-IOTLB invalidation commands" v3 cover letter, 2024: batching saves roughly more than 800 cycles in qi_submit_sync()
source = O. Peleg, A. Morrison, B. Serebrin, D. Tsafrir, "Utilizing the IOMMU Scalably", USENIX ATC 2015: IOVA allocation and IOTLB invalidation are the multi-core bottlenecks
note = every latency and cost is an estimate; nothing here is fitted to a measurement
