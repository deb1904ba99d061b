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
