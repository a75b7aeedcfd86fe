// QEMU's firmware configuration device, as seen by a guest on Arm (MMIO).
// Everything here is from QEMU's docs/specs/fw_cfg.rst ("QEMU Firmware
// Configuration (fw_cfg) Device") and include/standard-headers/linux/qemu_fw_cfg.h
// / hw/nvram/fw_cfg.h for the selector numbers.

/// Register offsets from the device's base (fw_cfg.rst, "Register Locations",
/// Arm): data at +0 (8 bytes), selector at +8 (2 bytes), DMA address at +16
/// (8 bytes). On QEMU `virt` the base is 0x0902_0000 and the region 0x18 bytes.
public enum FwCfgRegister {
    /// Data register: 8/16/32/64-bit reads, "string-preserving" (bytes come out in
    /// item order, whatever the access width).
    public static let data = 0x00
    /// Selector register: 16-bit, big-endian on MMIO. Writing it resets the data offset.
    public static let selector = 0x08
    /// DMA address register: 64-bit big-endian; writing the low half (offset
    /// +20) starts the transfer, so a 64-bit write or high half then low half.
    public static let dmaAddress = 0x10
    /// Size of the MMIO region.
    public static let regionSize = 0x18

    /// What to write to the selector register (a 16-bit store) to select `key`:
    /// the register is big-endian on MMIO.
    public static func selectorValue(_ key: UInt16) -> UInt16 { key.bigEndian }

    /// What to store (one native 64-bit store) in the DMA address register to
    /// start the transfer described at `physicalAddress`.
    public static func dmaAddressValue(_ physicalAddress: UInt64) -> UInt64 { physicalAddress.bigEndian }

    /// The two halves for two 32-bit stores, high (offset +16) first, then low
    /// (offset +20), which starts the transfer.
    public static func dmaAddressHalves(_ physicalAddress: UInt64) -> (high: UInt32, low: UInt32) {
        (UInt32(truncatingIfNeeded: physicalAddress >> 32).bigEndian,
         UInt32(truncatingIfNeeded: physicalAddress).bigEndian)
    }
}

/// Well-known selector keys (items). Keys 0x0000–0x3FFF are generic, 0x8000–0xBFFF
/// architecture specific; bit 14 was the legacy write flag (ignored since QEMU 2.4;
/// writes go through DMA since 2.9). Items with a directory entry ("files") live
/// at 0x0020 (`firstFile`) and above.
public enum FwCfgSelector {
    /// `FW_CFG_SIGNATURE`: the four bytes "QEMU".
    public static let signature: UInt16 = 0x0000
    /// `FW_CFG_ID`: a 32-bit little-endian feature bitmap (`FwCfgFeatures`).
    public static let id: UInt16 = 0x0001
    public static let uuid: UInt16 = 0x0002
    public static let ramSize: UInt16 = 0x0003
    public static let noGraphic: UInt16 = 0x0004
    public static let cpuCount: UInt16 = 0x0005
    public static let kernelCommandLineSize: UInt16 = 0x0014
    public static let kernelCommandLineData: UInt16 = 0x0015
    /// `FW_CFG_FILE_DIR`: the file directory (`FwCfgDirectory`).
    public static let fileDirectory: UInt16 = 0x0019
    /// `FW_CFG_FILE_FIRST`: the lowest key a file item can have.
    public static let firstFile: UInt16 = 0x0020
    /// One past the highest generic key (0x4000 generic items at most, fw_cfg.rst "Ranges").
    public static let genericLimit: UInt16 = 0x4000
}

/// The fw_cfg signatures (fw_cfg.rst, "Signature").
public enum FwCfgSignature {
    /// Item 0x0000 reads as these four bytes when the device is present.
    public static let item: [UInt8] = [0x51, 0x45, 0x4D, 0x55]  // "QEMU"
    /// The DMA address register reads as this ("QEMU CFG", big-endian) when the
    /// DMA interface is present.
    public static let dma: UInt64 = 0x5145_4D55_2043_4647

    /// Whether `bytes` (the first 4 bytes read from item 0x0000) are "QEMU".
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        for i in 0..<4 where bytes[i] != item[i] { return false }
        return true
    }

    /// Whether a native 32-bit load of the data register (item 0x0000 selected)
    /// returned "QEMU": the register preserves byte order, so the value is the
    /// four bytes in memory order.
    public static func isValid(dataRegisterLoad value: UInt32) -> Bool {
        UInt32(littleEndian: value) == 0x554D_4551
    }

    /// Whether a native 64-bit load of the DMA address register returned the DMA
    /// signature (the register is big-endian).
    public static func isDMA(registerLoad value: UInt64) -> Bool {
        UInt64(bigEndian: value) == dma
    }
}

/// `FW_CFG_ID` (item 0x0001): a 32-bit **little-endian** bitmap (fw_cfg.rst,
/// "Revision / feature bitmap").
public struct FwCfgFeatures: OptionSet, Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Bit 0: the traditional selector/data interface. Always set.
    public static let traditional = FwCfgFeatures(rawValue: 1 << 0)
    /// Bit 1: the DMA interface (needed to write items, e.g. for ramfb).
    public static let dma = FwCfgFeatures(rawValue: 1 << 1)

    /// Decodes the item's first four bytes (little-endian). Fewer than four
    /// bytes decode as no features.
    public init(item bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4 else { self.init(rawValue: 0); return }
        self.init(rawValue: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }
}
