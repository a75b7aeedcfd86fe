import XCTest
import Wire
@testable import Drivers

func parseDirectory(_ bytes: [UInt8]) throws -> FwCfgDirectory { try FwCfgDirectory(bytes) }

func expectDirectoryError(_ bytes: [UInt8], _ expected: FwCfgError, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try FwCfgDirectory(bytes)
        XCTFail("parsed, expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

/// One directory entry laid out by hand: size, select, reserved, 56-byte name.
func rawEntry(size: UInt32, select: UInt16, name: [UInt8]) -> [UInt8] {
    var entry: [UInt8] = [UInt8(size >> 24), UInt8((size >> 16) & 0xFF), UInt8((size >> 8) & 0xFF), UInt8(size & 0xFF),
                          UInt8(select >> 8), UInt8(select & 0xFF), 0, 0]
    entry += name.prefix(56)
    entry += [UInt8](repeating: 0, count: 64 - entry.count)
    return entry
}

func rawDirectory(_ entries: [[UInt8]], count: UInt32? = nil) -> [UInt8] {
    let n = count ?? UInt32(entries.count)
    return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + entries.flatMap { $0 }
}

/// What `qemu-system-aarch64 -M virt -device ramfb -fw_cfg name=opt/lumen/config,…`
/// lists: QEMU sorts the directory by name and numbers files from 0x20 in the
/// order they were added.
let qemuVirtFiles: [FwCfgFile] = [
    FwCfgFile(name: "bootorder", size: 0, selector: 0x0020),
    FwCfgFile(name: "etc/acpi/rsdp", size: 36, selector: 0x0025),
    FwCfgFile(name: "etc/acpi/tables", size: 131_072, selector: 0x0024),
    FwCfgFile(name: "etc/boot-fail-wait", size: 4, selector: 0x0021),
    FwCfgFile(name: "etc/ramfb", size: 28, selector: 0x0027),
    FwCfgFile(name: "etc/smbios/smbios-anchor", size: 24, selector: 0x0023),
    FwCfgFile(name: "etc/smbios/smbios-tables", size: 338, selector: 0x0022),
    FwCfgFile(name: "etc/table-loader", size: 4096, selector: 0x0026),
    FwCfgFile(name: "opt/lumen/config", size: 45, selector: 0x0028),
]

final class FwCfgDirectoryTests: XCTestCase {
    func testParsesQEMULikeDirectory() throws {
        let bytes = FwCfgDirectory.encode(qemuVirtFiles)
        XCTAssertEqual(bytes.count, 4 + 9 * 64)
        let directory = try parseDirectory(bytes)
        XCTAssertEqual(directory.files, qemuVirtFiles)
        XCTAssertEqual(directory.file(named: "etc/ramfb"), FwCfgFile(name: "etc/ramfb", size: 28, selector: 0x0027))
        XCTAssertEqual(directory.file(named: LumenSettings.fwCfgFileName)?.selector, 0x0028)
        XCTAssertNil(directory.file(named: "ETC/RAMFB"))
        XCTAssertNil(directory.file(named: "etc/ramf"))
        XCTAssertNil(directory.file(named: ""))
    }

    /// The layout written by hand, independent of `encode`.
    func testRawLayout() throws {
        let bytes = rawDirectory([rawEntry(size: 28, select: 0x0024, name: Array("etc/ramfb".utf8))])
        XCTAssertEqual(Array(bytes.prefix(16)), [0, 0, 0, 1, 0, 0, 0, 28, 0, 0x24, 0, 0, 0x65, 0x74, 0x63, 0x2F])
        XCTAssertEqual(FwCfgDirectory.encode([FwCfgFile(name: "etc/ramfb", size: 28, selector: 0x24)]), bytes)
        XCTAssertEqual(try parseDirectory(bytes).files, [FwCfgFile(name: "etc/ramfb", size: 28, selector: 0x24)])
    }

    func testEmptyDirectory() throws {
        XCTAssertEqual(try parseDirectory([0, 0, 0, 0]).files, [])
        XCTAssertNil(try parseDirectory([0, 0, 0, 0]).file(named: "etc/ramfb"))
    }

    func testTrailingBytesAreIgnored() throws {
        var bytes = FwCfgDirectory.encode(qemuVirtFiles)
        bytes += [UInt8](repeating: 0xEE, count: 100)
        XCTAssertEqual(try parseDirectory(bytes).files.count, 9)
    }

    func testLongestNameAndBytesAfterTheNUL() throws {
        let longest = [UInt8](repeating: 0x61, count: 55)
        var entry = rawEntry(size: 1, select: 0x30, name: longest)
        XCTAssertEqual(try parseDirectory(rawDirectory([entry])).files.first?.name.utf8.count, 55)
        entry = rawEntry(size: 1, select: 0x30, name: Array("opt/x".utf8) + [0] + Array("junk".utf8))
        XCTAssertEqual(try parseDirectory(rawDirectory([entry])).files.first?.name, "opt/x")
    }

    func testHeaderCount() throws {
        XCTAssertEqual(try [UInt8]([0, 0, 0, 9]).withUnsafeBytes { raw in try FwCfgDirectory.fileCount(header: raw) }, 9)
        XCTAssertEqual(FwCfgDirectory.byteCount(files: 9), 580)
        XCTAssertEqual(FwCfgDirectory.maximumFileCount, 16352)
    }

    func testTooShort() {
        for count in 0..<4 {
            expectDirectoryError([UInt8](repeating: 0, count: count), .directoryTooShort(count: count))
        }
    }

    func testAbsurdCounts() {
        expectDirectoryError([0xFF, 0xFF, 0xFF, 0xFF], .tooManyFiles(count: 4_294_967_295))
        expectDirectoryError([0x00, 0x00, 0x3F, 0xE1], .tooManyFiles(count: 16353))
        expectDirectoryError([0x00, 0x00, 0x3F, 0xE0], .directoryTruncated(files: 16352, needed: 1_046_532, available: 4))
    }

    func testCountBeyondTheData() {
        let one = rawEntry(size: 28, select: 0x24, name: Array("etc/ramfb".utf8))
        expectDirectoryError(rawDirectory([one], count: 2), .directoryTruncated(files: 2, needed: 132, available: 68))
        expectDirectoryError(Array(rawDirectory([one]).prefix(67)), .directoryTruncated(files: 1, needed: 68, available: 67))
    }

    func testNameWithoutNUL() {
        let good = rawEntry(size: 4, select: 0x20, name: Array("bootorder".utf8))
        let bad = rawEntry(size: 4, select: 0x21, name: [UInt8](repeating: 0x41, count: 56))
        expectDirectoryError(rawDirectory([good, bad]), .unterminatedName(index: 1))
    }

    func testEmptyName() {
        expectDirectoryError(rawDirectory([rawEntry(size: 4, select: 0x20, name: [])]), .emptyName(index: 0))
    }

    func testSelectorOutsideTheFileRange() {
        expectDirectoryError(rawDirectory([rawEntry(size: 4, select: 0x0019, name: Array("a".utf8))]),
                             .invalidSelector(index: 0, name: "a", selector: 0x0019))
        expectDirectoryError(rawDirectory([rawEntry(size: 4, select: 0x4000, name: Array("b".utf8))]),
                             .invalidSelector(index: 0, name: "b", selector: 0x4000))
        XCTAssertNoThrow(try parseDirectory(rawDirectory([rawEntry(size: 4, select: 0x3FFF, name: Array("c".utf8))])))
    }

    func testDuplicateName() {
        let a = rawEntry(size: 4, select: 0x20, name: Array("etc/ramfb".utf8))
        let b = rawEntry(size: 4, select: 0x21, name: Array("etc/ramfb".utf8))
        expectDirectoryError(rawDirectory([a, b]), .duplicateName(index: 1, name: "etc/ramfb"))
    }

    func testMessages() {
        XCTAssertEqual(FwCfgError.directoryTooShort(count: 2).message,
                       "fw_cfg: the file directory is 2 bytes, shorter than its 4-byte count")
        XCTAssertEqual(FwCfgError.tooManyFiles(count: 20000).message,
                       "fw_cfg: the file directory claims 20000 files, more than the 16352 fw_cfg can hold")
        XCTAssertEqual(FwCfgError.directoryTruncated(files: 2, needed: 132, available: 68).message,
                       "fw_cfg: the file directory claims 2 files, needing 132 bytes, but has 68")
        XCTAssertEqual(FwCfgError.unterminatedName(index: 1).message,
                       "fw_cfg: file entry 1 has a name without a NUL in its 56 bytes")
        XCTAssertEqual(FwCfgError.emptyName(index: 0).message, "fw_cfg: file entry 0 has an empty name")
        XCTAssertEqual(FwCfgError.invalidSelector(index: 0, name: "a", selector: 25).message,
                       "fw_cfg: file entry 0 (\"a\") has selector 25, outside 32...16383")
        XCTAssertEqual(FwCfgError.duplicateName(index: 1, name: "x").message, "fw_cfg: file entry 1 repeats the name \"x\"")
        XCTAssertEqual(FwCfgError.dmaAccessTooShort(count: 8).message, "fw_cfg: a DMA access structure is 16 bytes, not 8")
    }

    func testRandomDamageNeverTraps() {
        var rng = SplitMix64(seed: 0xF00C_F6)
        let source = FwCfgDirectory.encode(qemuVirtFiles)
        var parsed = 0
        for _ in 0..<5000 {
            var bytes = source
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            do {
                let directory = try FwCfgDirectory(bytes)
                XCTAssertTrue(directory.files.allSatisfy { !$0.name.isEmpty && $0.selector >= 0x20 && $0.selector < 0x4000 })
                parsed += 1
            } catch {
                XCTAssertFalse(error.message.isEmpty)
            }
        }
        XCTAssertGreaterThan(parsed, 100)
    }
}

final class FwCfgDMATests: XCTestCase {
    func testControlWords() {
        XCTAssertEqual(FwCfgDMAControl.selecting(0x0024, .write).rawValue, 0x0024_0018)
        XCTAssertEqual(FwCfgDMAControl.selecting(0x0019, .read).rawValue, 0x0019_000A)
        XCTAssertEqual(FwCfgDMAControl.selecting(0x0019, .skip).rawValue, 0x0019_000C)
        XCTAssertEqual(FwCfgDMAControl.selecting(0xFFFF, .read).selector, 0xFFFF)
        XCTAssertEqual(FwCfgDMAControl.selecting(0x0024, .write).selector, 0x0024)
        XCTAssertNil(FwCfgDMAControl.read.selector)
        XCTAssertEqual(FwCfgDMAControl.error.rawValue, 1)
        XCTAssertEqual(FwCfgDMAControl.read.rawValue, 2)
        XCTAssertEqual(FwCfgDMAControl.skip.rawValue, 4)
        XCTAssertEqual(FwCfgDMAControl.select.rawValue, 8)
        XCTAssertEqual(FwCfgDMAControl.write.rawValue, 16)
    }

    func testStatus() {
        XCTAssertEqual(FwCfgDMAControl(rawValue: 0).status, .done)
        XCTAssertEqual(FwCfgDMAControl(rawValue: 1).status, .failed)
        XCTAssertEqual(FwCfgDMAControl(rawValue: 0x0024_0019).status, .failed)
        XCTAssertEqual(FwCfgDMAControl(rawValue: 0x0024_0018).status, .inProgress)
        XCTAssertEqual(FwCfgDMAControl(rawValue: 2).status, .inProgress)
    }

    func testAccessEncoding() throws {
        let read = FwCfgDMAAccess.read(selector: FwCfgSelector.fileDirectory, length: 4, into: 0x4000_1000)
        XCTAssertEqual(read.bytes, [0x00, 0x19, 0x00, 0x0A, 0, 0, 0, 4, 0, 0, 0, 0, 0x40, 0x00, 0x10, 0x00])
        let write = FwCfgDMAAccess.write(selector: 0x0027, length: 28, from: 0x1_2345_6789_ABCD)
        XCTAssertEqual(write.bytes, [0x00, 0x27, 0x00, 0x18, 0, 0, 0, 28, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD])
        XCTAssertEqual(FwCfgDMAAccess.write(selector: nil, length: 1, from: 8).bytes,
                       [0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8])
        XCTAssertEqual(FwCfgDMAAccess.skip(selector: 0x20, length: 0x100).bytes,
                       [0, 0x20, 0, 0x0C, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(FwCfgDMAAccess.read(selector: nil, length: 0, into: 0).control, .read)

        var buffer = [UInt8](repeating: 0xAA, count: 20)
        try buffer.withUnsafeMutableBytes { raw in try write.encode(into: raw) }
        XCTAssertEqual(Array(buffer.prefix(16)), write.bytes)
        XCTAssertEqual(Array(buffer.suffix(4)), [0xAA, 0xAA, 0xAA, 0xAA])
        let decoded = try buffer.withUnsafeBytes { raw in try FwCfgDMAAccess(decoding: raw) }
        XCTAssertEqual(decoded, write)
    }

    func testShortBuffers() {
        var small = [UInt8](repeating: 0, count: 15)
        XCTAssertThrowsError(try small.withUnsafeMutableBytes { raw in
            try FwCfgDMAAccess.read(selector: 1, length: 4, into: 0).encode(into: raw)
        }) { XCTAssertEqual($0 as? FwCfgError, .dmaAccessTooShort(count: 15)) }
        XCTAssertThrowsError(try small.withUnsafeBytes { raw in try FwCfgDMAAccess(decoding: raw) }) {
            XCTAssertEqual($0 as? FwCfgError, .dmaAccessTooShort(count: 15))
        }
        XCTAssertThrowsError(try [UInt8]([0, 0]).withUnsafeBytes { raw in try FwCfgDMAAccess.control(in: raw) }) {
            XCTAssertEqual($0 as? FwCfgError, .dmaAccessTooShort(count: 2))
        }
    }

    /// The device rewrites `control` in memory; a native load of it goes through
    /// `init(memoryLoad:)`.
    func testPollingTheControlWord() throws {
        let memory: [UInt8] = [0x00, 0x27, 0x00, 0x19]  // error bit set by the device
        let load = memory.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        XCTAssertEqual(FwCfgDMAControl(memoryLoad: load).status, .failed)
        XCTAssertEqual(try memory.withUnsafeBytes { raw in try FwCfgDMAAccess.control(in: raw) }.rawValue,
                       0x0027_0019)
        XCTAssertEqual(FwCfgDMAControl(memoryLoad: 0).status, .done)
    }

    /// Register values, as the bytes a native store puts on the bus.
    func testRegisterValues() {
        func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        XCTAssertEqual(bytes(FwCfgRegister.selectorValue(0x0019)), [0x00, 0x19])
        XCTAssertEqual(bytes(FwCfgRegister.dmaAddressValue(0x4000_1000)), [0, 0, 0, 0, 0x40, 0x00, 0x10, 0x00])
        let halves = FwCfgRegister.dmaAddressHalves(0x1_4000_1000)
        XCTAssertEqual(bytes(halves.high), [0, 0, 0, 1])
        XCTAssertEqual(bytes(halves.low), [0x40, 0x00, 0x10, 0x00])
        XCTAssertEqual(FwCfgRegister.data, 0)
        XCTAssertEqual(FwCfgRegister.selector, 8)
        XCTAssertEqual(FwCfgRegister.dmaAddress, 16)
    }

    func testSignatures() {
        let qemu: [UInt8] = Array("QEMU".utf8)
        XCTAssertTrue(qemu.withUnsafeBytes { FwCfgSignature.isValid($0) })
        XCTAssertFalse([UInt8](Array("QEMV".utf8)).withUnsafeBytes { FwCfgSignature.isValid($0) })
        XCTAssertFalse([UInt8](Array("QEM".utf8)).withUnsafeBytes { FwCfgSignature.isValid($0) })
        XCTAssertTrue(FwCfgSignature.isValid(dataRegisterLoad: qemu.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
        XCTAssertFalse(FwCfgSignature.isValid(dataRegisterLoad: 0x5145_4D55))
        let dma: [UInt8] = Array("QEMU CFG".utf8)
        XCTAssertTrue(FwCfgSignature.isDMA(registerLoad: dma.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        XCTAssertFalse(FwCfgSignature.isDMA(registerLoad: 0))
        XCTAssertEqual(FwCfgSignature.dma, 0x5145_4D55_2043_4647)
    }

    func testFeatures() {
        XCTAssertEqual([UInt8]([3, 0, 0, 0]).withUnsafeBytes { FwCfgFeatures(item: $0) }, [.traditional, .dma])
        XCTAssertEqual([UInt8]([1, 0, 0, 0]).withUnsafeBytes { FwCfgFeatures(item: $0) }, .traditional)
        XCTAssertEqual([UInt8]([0, 0, 0, 2]).withUnsafeBytes { FwCfgFeatures(item: $0) }.rawValue, 0x0200_0000)  // little-endian
        XCTAssertEqual([UInt8]([3, 0]).withUnsafeBytes { FwCfgFeatures(item: $0) }, [])
    }

    func testBigEndianBytes() {
        var buffer = [UInt8](repeating: 0, count: 15)
        buffer.withUnsafeMutableBytes { raw in
            BigEndian.store(UInt16(0xABCD), into: raw, at: 1)
            BigEndian.store(UInt32(0x0102_0304), into: raw, at: 3)
            BigEndian.store(UInt64(0x1122_3344_5566_7788), into: raw, at: 7)
        }
        XCTAssertEqual(buffer, [0, 0xAB, 0xCD, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        buffer.withUnsafeBytes { raw in
            XCTAssertEqual(BigEndian.u16(raw, at: 1), 0xABCD)
            XCTAssertEqual(BigEndian.u32(raw, at: 3), 0x0102_0304)
            XCTAssertEqual(BigEndian.u64(raw, at: 7), 0x1122_3344_5566_7788)
        }
    }
}
