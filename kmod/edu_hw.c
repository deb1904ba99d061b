// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_hw.c - QEMU's "edu" teaching device (PCI 1234:11e8) as a DMA engine.
 *
 * The device has one DMA engine and a 4 KiB internal buffer at device
 * address 0x40000.  BAR0 registers used here (from QEMU's hw/misc/edu.c and
 * docs/specs/edu.txt):
 *
 *   0x00  identification, reads 0x010000ed (major.minor.0xed)
 *   0x80  DMA source address       (64 bit)
 *   0x88  DMA destination address  (64 bit)
 *   0x90  DMA transfer count       (64 bit)
 *   0x98  DMA command: bit 0 start (reads 1 while running), bit 1 direction
 *         (0: RAM -> device buffer, 1: device buffer -> RAM), bit 2 raise an
 *         interrupt at the end
 *
 * A transfer goes through the device's IOMMU translation, like a real DMA,
 * and starts about 100 ms (QEMU virtual clock) after the doorbell.  So DMA
 * here is for correctness, never for timing.  A translation fault does not
 * show in any edu register: the bytes simply do not arrive (or arrive as
 * zeroes from a read), and the guest's IOMMU driver logs a fault record.
 *
 * Completion is polled, not interrupt driven: the stale-DMA test needs to
 * wait with local interrupts disabled (see edu_tests.c), and polling keeps
 * one code path for both cases.  Callers serialise on edu_dev.xfer_lock.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ktime.h>

#include "edu_int.h"

#define EDU_REG_IDENT		0x00
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_DMA_CMD_START	BIT(0)
#define EDU_DMA_CMD_TO_RAM	BIT(1)

#define EDU_DEV_BUF_ADDR	0x40000ull
#define EDU_IDENT_MAGIC		0xed

/**
 * edu_hw_check_ident() - check that BAR0 is an edu device.
 * @edu: the device, with @edu->bar mapped.
 *
 * Return: 0 when the identification register ends in 0xed, -ENODEV if not.
 */
int edu_hw_check_ident(struct edu_dev *edu)
{
	u32 ident = readl(edu->bar + EDU_REG_IDENT);

	if ((ident & 0xff) != EDU_IDENT_MAGIC) {
		dev_err(edu->dev, "ident register 0x%08x, expected 0x......ed\n",
			ident);
		return -ENODEV;
	}
	dev_info(edu->dev, "edu device version %u.%u\n", ident >> 24,
		 (ident >> 16) & 0xff);
	return 0;
}

/**
 * edu_dma_start() - ring the doorbell for one transfer.
 * @edu:	the device; caller holds @edu->xfer_lock.
 * @ram:	DMA address (IOVA, or physical address under passthrough) on
 *		the memory side.
 * @dev_off:	offset in the device's internal buffer.
 * @len:	bytes, 1 .. EDU_XFER_MAX_END - @dev_off.
 * @to_ram:	true: device buffer -> memory; false: memory -> device buffer.
 *
 * Does not wait; see edu_dma_wait().  Never sleeps, safe with interrupts
 * disabled.
 *
 * Return: 0, -EINVAL for a range QEMU would abort on, -EBUSY if a transfer
 * is still running.
 */
int edu_dma_start(struct edu_dev *edu, dma_addr_t ram, u32 dev_off, u32 len,
		  bool to_ram)
{
	u64 dev_addr = EDU_DEV_BUF_ADDR + dev_off;
	u32 cmd = EDU_DMA_CMD_START;

	if (len == 0 || dev_off >= EDU_XFER_MAX_END ||
	    len > EDU_XFER_MAX_END - dev_off) {
		dev_err(edu->dev, "edu transfer off=%u len=%u out of range (off + len must be < %u)\n",
			dev_off, len, EDU_BUF_SIZE);
		return -EINVAL;
	}
	if (readl(edu->bar + EDU_REG_DMA_CMD) & EDU_DMA_CMD_START)
		return -EBUSY;

	if (to_ram) {
		cmd |= EDU_DMA_CMD_TO_RAM;
		writeq(dev_addr, edu->bar + EDU_REG_DMA_SRC);
		writeq(ram, edu->bar + EDU_REG_DMA_DST);
	} else {
		writeq(ram, edu->bar + EDU_REG_DMA_SRC);
		writeq(dev_addr, edu->bar + EDU_REG_DMA_DST);
	}
	writeq(len, edu->bar + EDU_REG_DMA_COUNT);
	/*
	 * writel() orders the register writes above before the doorbell, and
	 * the doorbell after the CPU's earlier writes to the buffer: the
	 * device reads memory only after this write (pairs with the device
	 * side, QEMU's timer callback, which runs strictly later).
	 */
	writel(cmd, edu->bar + EDU_REG_DMA_CMD);
	return 0;
}

/**
 * edu_dma_wait() - wait for the running transfer to finish.
 * @edu:	the device; caller holds @edu->xfer_lock.
 * @timeout_ns:	give up after this long.
 * @may_sleep:	false when called with interrupts disabled: busy-poll.
 *
 * Return: 0 when the start bit has cleared, -ETIMEDOUT otherwise.
 */
int edu_dma_wait(struct edu_dev *edu, u64 timeout_ns, bool may_sleep)
{
	u64 deadline = ktime_get_ns() + timeout_ns;

	for (;;) {
		if (!(readl(edu->bar + EDU_REG_DMA_CMD) & EDU_DMA_CMD_START)) {
			/* The device's writes to memory are visible now:
			 * the status read above is ordered before the
			 * caller's reads of the buffer (x86 MMIO read).
			 */
			rmb();
			return 0;
		}
		if (ktime_get_ns() > deadline)
			break;
		if (may_sleep)
			usleep_range(1000, 2000);
		else
			udelay(20);
	}
	dev_err(edu->dev, "edu DMA did not complete within %llu ms\n",
		timeout_ns / NSEC_PER_MSEC);
	return -ETIMEDOUT;
}

/**
 * edu_dma_xfer() - one transfer, started and waited for.
 * @edu:	the device; caller holds @edu->xfer_lock.
 * @ram:	DMA address on the memory side.
 * @dev_off:	offset in the device buffer.
 * @len:	bytes.
 * @to_ram:	direction, as for edu_dma_start().
 *
 * Sleeps.
 *
 * Return: 0 or -errno from edu_dma_start()/edu_dma_wait().
 */
int edu_dma_xfer(struct edu_dev *edu, dma_addr_t ram, u32 dev_off, u32 len,
		 bool to_ram)
{
	int ret;

	ret = edu_dma_start(edu, ram, dev_off, len, to_ram);
	if (ret)
		return ret;
	return edu_dma_wait(edu, 2 * NSEC_PER_SEC, true);
}
