# kunpeng920-smmuv3-lockfree - the same Kunpeng 920 and SMMUv3 as
# kunpeng920-smmuv3, every hardware and software cost unchanged, with Linux
# 5.4+'s lock-free command-queue submission: a CPU claims its slots with one
# atomic on the producer index (a cache line every CPU writes), writes its
# commands, and the first CPU to claim since the last issue becomes the
# owner, which issues everything gathered with one producer-register write
# (cmdq_issue_ns); each CPU then waits for its own CMD_SYNC.
#
# Not calibrated: a prediction of that submission on the calibrated
# hardware.  The 2020 figures the base is fitted to were measured on Linux
# 5.7, whose driver was already lock-free; the base reproduces them with a
# lock model (see its file), so this profile and that measurement are not
# expected to agree.
based_on = kunpeng920-smmuv3
name = kunpeng920-smmuv3-lockfree
description = Kunpeng 920 + SMMUv3 hardware of kunpeng920-smmuv3, Linux 5.4+ lock-free queue
cmdq_model = lockfree
source = Linux 5.4+ drivers/iommu/arm-smmu-v3.c arm_smmu_cmdq_issue_cmdlist(): slots claimed with cmpxchg on prod, owner gathers and writes prod (facts only)
