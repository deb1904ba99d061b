// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_main.c - dmareuse_edu.ko: a PCI driver for QEMU's edu device that
 * exercises and measures DMA strategies behind the guest's IOMMU.
 *
 * The kernel track of dmareuse (docs/design.md sections 2 and 11): the same DMA
 * strategies as the user-space lab, run by a real Linux driver against
 * QEMU's emulated Intel VT-d, in whichever IOMMU mode the guest booted
 * (strict, lazy or passthrough).  At probe the driver
 *
 *   1. sets a 64-bit DMA mask (edu's own default is 28 bits; the harness
 *      gives the device dma_mask=0xffffffffffffffff),
 *   2. runs the tests and benchmarks of edu_tests.c and edu_isolation.c,
 *      printing RESULT lines,
 *   3. leaves a mapping cache of idle entries for /init's shrinker test,
 *   4. creates /sys/kernel/debug/dma_map_benchmark (edu_map_benchmark.c).
 *
 * Module parameters:
 *   strategy=NAME     strategy measured through dma_map_benchmark
 *                     (default strict); an unknown name fails the load, or
 *                     the write to /sys/module/dmareuse_edu/parameters/strategy
 *                     (writable: the next ioctl measures the new strategy; a
 *                     trailing newline is accepted, anything else refused)
 *   batch_size=N      unmaps per batch of the batch strategy, 1..4096
 *                     (default 64); writable, read when an instance is made;
 *                     anything else is refused with one line naming it
 *   bench_pairs=N     map+unmap pairs per strategy and benchmark pass (default
 *                     100000; 0 skips it)
 *   run_tests=0|1     run the probe-time tests (default 1)
 *
 * Every strategy but strict comes from dmareuse.ko, which must be loaded
 * first (insmod; modprobe would resolve the dependency itself).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <linux/sysfs.h>

#include "edu_int.h"

/* The strategy dma_map_benchmark measures; read at the start of each run. */
static const struct edu_strategy_ops *bench_ops = &edu_strategy_strict;

/*
 * The longest value a refusal quotes: a name is a few bytes, and a junk
 * write of a page must still give a one-line message.
 */
#define PARAM_QUOTE_MAX	32

/*
 * The first PARAM_QUOTE_MAX bytes of @val (up to a newline), every byte
 * that is not printable ASCII as \xNN, "..." after a cut: always one line.
 */
static const char *param_quote(const char *val, char *buf, size_t size)
{
	size_t len = strcspn(val, "\n"), n;

	n = string_escape_mem(val, min_t(size_t, len, PARAM_QUOTE_MAX), buf, size - 4,
			      ESCAPE_HEX | ESCAPE_NAP, NULL);
	n = min(n, size - 4);
	strscpy(buf + n, len > PARAM_QUOTE_MAX ? "..." : "", 4);
	return buf;
}

static int strategy_set(const char *val, const struct kernel_param *kp)
{
	const struct edu_strategy_ops *ops = edu_strategy_find(val);
	char names[128], quoted[4 * PARAM_QUOTE_MAX + 4];

	if (!ops) {
		edu_strategy_names(names, sizeof(names));
		pr_err("dmareuse_edu: strategy=\"%s\" (%zu bytes) is not built in; expected one of: %s\n",
		       param_quote(val, quoted, sizeof(quoted)), strlen(val), names);
		return -EINVAL;
	}
	WRITE_ONCE(bench_ops, ops);
	return 0;
}

static int strategy_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(bench_ops)->name);
}

static const struct kernel_param_ops strategy_param_ops = {
	.set = strategy_set,
	.get = strategy_get,
};
module_param_cb(strategy, &strategy_param_ops, NULL, 0644);
MODULE_PARM_DESC(strategy,
		 "DMA strategy measured by /sys/kernel/debug/dma_map_benchmark: strict, bounce, reuse, pool, cache, batch or auto (default strict)");

/**
 * edu_bench_strategy() - the strategy dma_map_benchmark measures now.
 *
 * Return: the ops named by the strategy= parameter.
 */
const struct edu_strategy_ops *edu_bench_strategy(void)
{
	return READ_ONCE(bench_ops);
}

/* Unmaps per batch of the batch strategy; read when an instance is made. */
static unsigned int batch_size = RBATCH_DEFAULT_SIZE;

static int batch_size_set(const char *val, const struct kernel_param *kp)
{
	char quoted[4 * PARAM_QUOTE_MAX + 4];
	unsigned int v;

	if (kstrtouint(val, 10, &v) || v < 1 || v > RBATCH_MAX_SIZE) {
		pr_err("dmareuse_edu: batch_size=\"%s\": expected a decimal number from 1 to %u\n",
		       param_quote(val, quoted, sizeof(quoted)), RBATCH_MAX_SIZE);
		return -EINVAL;
	}
	WRITE_ONCE(batch_size, v);
	return 0;
}

static int batch_size_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(batch_size));
}

static const struct kernel_param_ops batch_size_param_ops = {
	.set = batch_size_set,
	.get = batch_size_get,
};
module_param_cb(batch_size, &batch_size_param_ops, NULL, 0644);
MODULE_PARM_DESC(batch_size,
		 "unmaps per batch of the batch strategy, 1..4096 (default 64; 1 flushes at every unmap, as strict)");

/**
 * edu_batch_size() - unmaps per batch for a new batch instance.
 *
 * Return: the batch_size= parameter, 1..RBATCH_MAX_SIZE.
 */
unsigned int edu_batch_size(void)
{
	return READ_ONCE(batch_size);
}

static unsigned int bench_pairs = 100000;
module_param(bench_pairs, uint, 0444);
MODULE_PARM_DESC(bench_pairs,
		 "map+unmap pairs per strategy and pass in the probe benchmark (0: skip)");

static bool run_tests = true;
module_param(run_tests, bool, 0444);
MODULE_PARM_DESC(run_tests, "run the tests and benchmark at probe");

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct edu_dev *edu;
	int ret;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	edu->dev = dev;
	mutex_init(&edu->xfer_lock);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];
	pci_set_master(pdev);

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "no 64-bit DMA mask: %d\n", ret);
		return ret;
	}
	ret = edu_hw_check_ident(edu);
	if (ret)
		return ret;

	if (run_tests) {
		const char *domain_type;

		edu_run_tests(edu, bench_pairs);
		edu_shrink_setup(edu, edu_iommu_mode(dev, &domain_type));
	}

	ret = edu_map_bench_create(edu);
	if (ret) {
		edu_shrink_teardown(edu);
		return ret;
	}
	pci_set_drvdata(pdev, edu);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_dev *edu = pci_get_drvdata(pdev);

	edu_map_bench_destroy(edu);
	edu_shrink_teardown(edu);
	pci_clear_master(pdev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR_ID, EDU_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name		= "dmareuse_edu",
	.id_table	= edu_ids,
	.probe		= edu_probe,
	.remove		= edu_remove,
};

static int __init edu_init(void)
{
	return pci_register_driver(&edu_driver);
}

static void __exit edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
}

module_init(edu_init);
module_exit(edu_exit);

MODULE_DESCRIPTION("dmareuse: DMA strategy tests and benchmark on QEMU's edu device");
MODULE_AUTHOR("dmareuse developers");
MODULE_LICENSE("Dual MIT/GPL");
