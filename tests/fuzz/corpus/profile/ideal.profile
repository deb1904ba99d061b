# ideal - an IOMMU whose hardware costs nothing.
#
# Every command and every page walk completes instantly, so what remains is
# the software path alone: page-table updates, IOVA allocation, locks and
# bookkeeping.  Used by the tests and to measure software cost.
name = ideal
description = zero hardware latency: measures the software path only
iotlb_sets = 512
iotlb_ways = 4
cmdq_model = lockfree
cmdq_issue_ns = 0
cmdq_issue_per_cmd_ns = 0
inv_range_ns = 0
inv_domain_ns = 0
inv_all_ns = 0
sync_ns = 0
iotlb_miss_ns = 0
source = none: an idealised machine
#
# Virtual time: the software costs are kunpeng920-smmuv3's (see its file for
# where each comes from); every hardware cost -- register writes, device and
# engine time, wire time -- is zero, as the queue's are.
cost_dma_call_ns = 40
cost_dma_sync_ns = 10
cost_reuse_call_ns = 10
cost_iova_fast_ns = 25
cost_iova_depot_ns = 60
cost_iova_slow_ns = 150
cost_pte_write_ns = 3
cost_tlb_gather_ns = 500
cost_pt_walk_ns = 25
cost_page_alloc_ns = 200
cost_page_free_ns = 150
cost_page_ref_ns = 5
cost_lock_ns = 10
cost_line_ns = 30
cost_line_contend_ns = 3.5
cost_copy_byte_ns = 0.08
cost_hash_ns = 20
cost_slot_ns = 50
cost_cmd_build_ns = 10
cost_mmio_ns = 0
cost_poll_ns = 20
cost_irq_ns = 3000
cost_wakeup_ns = 2000
cost_ring_ns = 10
cost_dev_byte_ns = 0
cost_zip_byte_ns = 0
cost_nic_byte_ns = 0
