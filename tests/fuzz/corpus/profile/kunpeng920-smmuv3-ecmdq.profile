# kunpeng920-smmuv3-ecmdq - a what-if: the calibrated hardware of
# kunpeng920-smmuv3 with SMMUv3.3 Enhanced Command Queues, one per CPU.
#
# Kunpeng 920's SMMU has no ECMDQ; this profile asks what one queue per CPU
# (ecmdq_cpus = 1) would do to the same commands: each queue is claimed and
# issued lock-free by its own CPUs and has its own front end, so CPUs share
# no line and no server; the invalidation costs per command are the base's.
# Whether real ECMDQs invalidate in parallel or funnel into one TLB
# invalidation engine is not public; this model takes the optimistic side.
# Not calibrated: a prediction.
based_on = kunpeng920-smmuv3
name = kunpeng920-smmuv3-ecmdq
description = what-if: kunpeng920-smmuv3 hardware with one SMMUv3.3 ECMDQ per CPU (not calibrated)
cmdq_model = ecmdq
ecmdq_cpus = 1
source = Arm System MMU Architecture Specification, SMMUv3.3: Enhanced Command Queue interface (ECMDQ)
source = Linux patch series "iommu/arm-smmu-v3: Add support for ECMDQ register mode" (2023): a queue per CPU or group of CPUs (facts only)
note = optimistic: each ECMDQ has its own hardware server
