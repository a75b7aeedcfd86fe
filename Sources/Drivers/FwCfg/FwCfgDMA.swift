// The fw_cfg DMA interface (QEMU docs/specs/fw_cfg.rst, "Guest-side DMA
// Interface"), present when FW_CFG_ID has bit 1 (`FwCfgFeatures.dma`):
//
//     typedef struct FWCfgDmaAccess {
//         uint32_t control;
//         uint32_t length;
//         uint64_t address;
//     } FWCfgDmaAccess;          /* all fields big-endian */
//
// The guest writes the physical address of such a structure to the DMA address
// register (`FwCfgRegister.dmaAddressValue`); QEMU performs the transfer
// synchronously and rewrites `control`: 0 = done, bit 0 set = error, anything
// else = still in progress (not today, "but may in the future").
// Control bits: 0 error, 1 read, 2 skip, 3 select (the selector is the top 16
// bits), 4 write. Writes are the only way to change an item since QEMU 2.4 (DMA
// since 2.9); QEMU rejects writes past the item's end (truncated writes are
// dropped entirely) and writes to read-only items, setting the error bit.

import Wire

/// The `control` word of a DMA access.
public struct FwCfgDMAControl: OptionSet, Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// From a native 32-bit (e.g. volatile) load of the structure's first word,
    /// which is big-endian in memory.
    public init(memoryLoad value: UInt32) { self.rawValue = UInt32(bigEndian: value) }

    public static let error = FwCfgDMAControl(rawValue: 1 << 0)
    public static let read = FwCfgDMAControl(rawValue: 1 << 1)
    public static let skip = FwCfgDMAControl(rawValue: 1 << 2)
    public static let select = FwCfgDMAControl(rawValue: 1 << 3)
    public static let write = FwCfgDMAControl(rawValue: 1 << 4)

    /// `operation` (read, write or skip) on item `selector`: the select bit and
    /// the selector in bits 31–16.
    public static func selecting(_ selector: UInt16, _ operation: FwCfgDMAControl) -> FwCfgDMAControl {
        FwCfgDMAControl(rawValue: UInt32(selector) << 16 | FwCfgDMAControl.select.rawValue | (operation.rawValue & 0xFFFF))
    }

    /// The item selected, when the select bit is set.
    public var selector: UInt16? { contains(.select) ? UInt16(truncatingIfNeeded: rawValue >> 16) : nil }

    /// What QEMU's rewritten control word says about the transfer.
    public var status: FwCfgDMAStatus {
        if rawValue == 0 { return .done }
        if contains(.error) { return .failed }
        return .inProgress
    }
}

public enum FwCfgDMAStatus: Equatable {
    case done
    case failed
    case inProgress
}

/// A `FWCfgDmaAccess` structure: 16 bytes, big-endian, placed in DMA memory.
public struct FwCfgDMAAccess: Equatable {
    public static let size = 16

    public var control: FwCfgDMAControl
    /// Bytes to read, write or skip.
    public var length: UInt32
    /// Physical address of the guest buffer (unused for skip).
    public var address: UInt64

    public init(control: FwCfgDMAControl, length: UInt32, address: UInt64) {
        self.control = control
        self.length = length
        self.address = address
    }

    /// Read `length` bytes of item `selector` (from its start; nil = continue the
    /// current item at its current offset) into `address`.
    public static func read(selector: UInt16?, length: UInt32, into address: UInt64) -> FwCfgDMAAccess {
        FwCfgDMAAccess(control: selector.map { .selecting($0, .read) } ?? .read, length: length, address: address)
    }

    /// Write `length` bytes from `address` into item `selector` (from its start;
    /// nil = at the current offset).
    public static func write(selector: UInt16?, length: UInt32, from address: UInt64) -> FwCfgDMAAccess {
        FwCfgDMAAccess(control: selector.map { .selecting($0, .write) } ?? .write, length: length, address: address)
    }

    /// Advance the item's offset by `length` bytes.
    public static func skip(selector: UInt16?, length: UInt32) -> FwCfgDMAAccess {
        FwCfgDMAAccess(control: selector.map { .selecting($0, .skip) } ?? .skip, length: length, address: 0)
    }

    /// Writes the 16 big-endian bytes at the start of `bytes`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) throws(FwCfgError) {
        guard bytes.count >= FwCfgDMAAccess.size else { throw .dmaAccessTooShort(count: bytes.count) }
        BigEndian.store(control.rawValue, into: bytes, at: 0)
        BigEndian.store(length, into: bytes, at: 4)
        BigEndian.store(address, into: bytes, at: 8)
    }

    /// The 16 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: FwCfgDMAAccess.size)
        out.withUnsafeMutableBytes { raw in
            BigEndian.store(control.rawValue, into: raw, at: 0)
            BigEndian.store(length, into: raw, at: 4)
            BigEndian.store(address, into: raw, at: 8)
        }
        return out
    }

    /// Decodes a structure (e.g. the one QEMU rewrote after the transfer).
    public init(decoding bytes: UnsafeRawBufferPointer) throws(FwCfgError) {
        guard bytes.count >= FwCfgDMAAccess.size else { throw .dmaAccessTooShort(count: bytes.count) }
        self.init(control: FwCfgDMAControl(rawValue: BigEndian.u32(bytes, at: 0)),
                  length: BigEndian.u32(bytes, at: 4),
                  address: BigEndian.u64(bytes, at: 8))
    }

    /// The control word of a structure in memory, for polling after the transfer.
    public static func control(in bytes: UnsafeRawBufferPointer) throws(FwCfgError) -> FwCfgDMAControl {
        guard bytes.count >= 4 else { throw .dmaAccessTooShort(count: bytes.count) }
        return FwCfgDMAControl(rawValue: BigEndian.u32(bytes, at: 0))
    }
}
