import Platform
import Wire

public enum FwCfgDeviceError: Error, Equatable {
    case format(FwCfgError)
    /// Writes need the DMA interface, which this fw_cfg does not have.
    case dmaUnavailable
    case transferTooLarge(count: Int)
    /// The device set the error bit in the control word.
    case dmaFailed
    case dmaTimeout

    public var message: String {
        switch self {
        case .format(let error): return error.message
        case .dmaUnavailable: return "fw_cfg: no DMA interface (writes need it)"
        case .transferTooLarge(let count): return "fw_cfg: a \(count)-byte write is larger than one page"
        case .dmaFailed: return "fw_cfg: the device reported a DMA error"
        case .dmaTimeout: return "fw_cfg: DMA did not complete"
        }
    }
}

/// QEMU's firmware configuration device (docs/specs/fw_cfg.rst) on its MMIO
/// registers: signature and feature check, the file directory, selector reads,
/// and DMA reads and writes (the control-word protocol, with its error bit).
/// ramfb is configured through it, and Lumen reads `opt/lumen/config` from it.
public final class FwCfgDevice<P: Platform> {
    public let platform: P
    public let registers: P.Registers
    public let features: FwCfgFeatures
    public private(set) var directory: FwCfgDirectory? = nil
    /// One page for DMA access structures and small transfers.
    private let scratch: DMABuffer
    public var hasDMA: Bool { features.contains(.dma) }

    /// Checks the "QEMU" signature and reads the feature bits; nil when there is no
    /// fw_cfg here or no memory for its DMA page.
    public init?(platform: P, registers: P.Registers) {
        registers.write16(FwCfgRegister.selector, FwCfgRegister.selectorValue(FwCfgSelector.signature))
        var signature: [UInt8] = []
        for _ in 0..<4 { signature.append(registers.read8(FwCfgRegister.data)) }
        guard signature == FwCfgSignature.item else { return nil }
        registers.write16(FwCfgRegister.selector, FwCfgRegister.selectorValue(FwCfgSelector.id))
        var id: [UInt8] = []
        for _ in 0..<4 { id.append(registers.read8(FwCfgRegister.data)) }
        var features = id.withUnsafeBytes { FwCfgFeatures(item: $0) }
        // The DMA register reads back "QEMU CFG" when the interface is really there.
        if features.contains(.dma), !FwCfgSignature.isDMA(registerLoad: registers.read64(FwCfgRegister.dmaAddress)) {
            features.remove(.dma)
        }
        guard let scratch = platform.allocateDMA(size: 4096, alignment: 4096) else { return nil }
        self.platform = platform
        self.registers = registers
        self.features = features
        self.scratch = scratch
    }

    /// Reads and parses the file directory (once).
    public func loadDirectory() throws(FwCfgDeviceError) -> FwCfgDirectory {
        if let directory { return directory }
        var header = [UInt8](repeating: 0, count: 4)
        try read(selector: FwCfgSelector.fileDirectory, into: &header)
        let count: Int
        let parsedCount: Result<Int, FwCfgError> = header.withUnsafeBytes { raw in
            do throws(FwCfgError) { return .success(try FwCfgDirectory.fileCount(header: raw)) } catch { return .failure(error) }
        }
        switch parsedCount {
        case .success(let value): count = value
        case .failure(let error): throw .format(error)
        }
        var bytes = [UInt8](repeating: 0, count: FwCfgDirectory.byteCount(files: count))
        try read(selector: FwCfgSelector.fileDirectory, into: &bytes)
        let parsed: FwCfgDirectory
        do { parsed = try FwCfgDirectory(bytes) } catch { throw .format(error) }
        directory = parsed
        return parsed
    }

    public func file(named name: String) -> FwCfgFile? {
        (try? loadDirectory())?.file(named: name)
    }

    /// The whole contents of a file, or nil if it does not exist.
    public func contents(of name: String, maximumSize: Int = 1 << 20) throws(FwCfgDeviceError) -> [UInt8]? {
        guard let file = file(named: name) else { return nil }
        var bytes = [UInt8](repeating: 0, count: min(Int(file.size), maximumSize))
        try read(selector: file.selector, into: &bytes)
        return bytes
    }

    /// Reads the start of item `selector` into `bytes` (DMA when available).
    public func read(selector: UInt16, into bytes: inout [UInt8]) throws(FwCfgDeviceError) {
        guard !bytes.isEmpty else { return }
        if hasDMA {
            var offset = 0
            var first = true
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, 4096 - FwCfgDMAAccess.size)
                let data = scratch.physicalAddress + UInt64(FwCfgDMAAccess.size)
                try transfer(.read(selector: first ? selector : nil, length: UInt32(chunk), into: data))
                let source = UnsafeRawBufferPointer(start: scratch.pointer + FwCfgDMAAccess.size, count: chunk)
                for index in 0..<chunk { bytes[offset + index] = source[index] }
                offset += chunk
                first = false
            }
        } else {
            registers.write16(FwCfgRegister.selector, FwCfgRegister.selectorValue(selector))
            for index in bytes.indices { bytes[index] = registers.read8(FwCfgRegister.data) }
        }
    }

    /// Writes `bytes` to the start of item `selector`; fw_cfg accepts writes by DMA only.
    public func write(selector: UInt16, bytes: [UInt8]) throws(FwCfgDeviceError) {
        guard hasDMA else { throw .dmaUnavailable }
        guard bytes.count <= 4096 - FwCfgDMAAccess.size else { throw .transferTooLarge(count: bytes.count) }
        let data = scratch.pointer + FwCfgDMAAccess.size
        for (index, byte) in bytes.enumerated() { data.storeBytes(of: byte, toByteOffset: index, as: UInt8.self) }
        try transfer(.write(selector: selector, length: UInt32(bytes.count), from: scratch.physicalAddress + UInt64(FwCfgDMAAccess.size)))
    }

    /// Places the access structure in DMA memory, hands its address to the device
    /// (writing the low half starts the transfer), and waits for the control word
    /// to clear; the error bit means the device refused.
    private func transfer(_ access: FwCfgDMAAccess) throws(FwCfgDeviceError) {
        do { try access.encode(into: UnsafeMutableRawBufferPointer(start: scratch.pointer, count: FwCfgDMAAccess.size)) }
        catch { throw .format(error) }
        platform.memoryBarrier()
        registers.write64(FwCfgRegister.dmaAddress, FwCfgRegister.dmaAddressValue(scratch.physicalAddress))
        let deadline = platform.now().adding(milliseconds: 1000)
        while true {
            platform.memoryBarrier()
            let control = FwCfgDMAControl(rawValue: BigEndian.u32(UnsafeRawBufferPointer(start: scratch.pointer, count: 4), at: 0))
            if control.contains(.error) { throw .dmaFailed }
            if control.rawValue == 0 { return }
            guard platform.now() < deadline else { throw .dmaTimeout }
        }
    }
}
