import Foundation
import XCTest
@testable import DeviceTree

/// Truncated and corrupted versions of QEMU's real DTB: each is rejected with a
/// DeviceTreeError or, if it still parses, survives a walk of everything. A trap
/// anywhere here kills the test process, so "no crash" is checked by running at all.
final class MalformedDeviceTreeTests: XCTestCase {
    /// `DTB_FUZZ_SCALE=N` multiplies every fuzz loop's iteration count (default 1)
    /// and `DTB_FUZZ_SEED` perturbs the seeds, for longer soak runs by hand.
    static let scale = Int(ProcessInfo.processInfo.environment["DTB_FUZZ_SCALE"] ?? "") ?? 1
    static let seedOffset = UInt64(ProcessInfo.processInfo.environment["DTB_FUZZ_SEED"] ?? "") ?? 0

    private func realBlob() throws -> [UInt8] { try QEMUDeviceTree.dump(memoryMiB: 256) }

    // MARK: - Truncation

    /// QEMU's dump, cut short at many lengths: every length below 64 and every length
    /// through the structure and strings blocks, then a spread over the 1 MiB padding.
    func testTruncatedRealDump() throws {
        let blob = try realBlob()
        let total = blob.count
        XCTAssertEqual(total, Int(blob[header: .totalSize]))
        let contentEnd = compacted(blob).count
        var lengths = Array(0..<(contentEnd + 64))
        lengths += stride(from: contentEnd + 64, to: total, by: 4093)
        lengths += [total / 2, total - 4096, total - 4, total - 3, total - 2, total - 1]
        var checked = 0
        blob.withUnsafeBytes { raw in
            for length in lengths {
                let prefix = UnsafeRawBufferPointer(rebasing: raw[0..<length])
                do throws(DeviceTreeError) {
                    _ = try DeviceTree(bytes: prefix)
                    XCTFail("a \(length)-byte prefix of a \(total)-byte DTB parsed")
                } catch {
                    let needed = length < 40 ? 40 : total
                    XCTAssertEqual(error, .truncated(needed: needed, available: length), "length \(length)")
                    XCTAssertFalse(error.message.isEmpty)
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 7000)
    }

    /// The compact blob (no padding) truncated at every length.
    func testTruncatedCompactBlobAtEveryLength() throws {
        let blob = compacted(try realBlob())
        XCTAssertNil(parseError(blob))
        blob.withUnsafeBytes { raw in
            for length in 0..<blob.count {
                do throws(DeviceTreeError) {
                    _ = try DeviceTree(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
                    XCTFail("\(length)-byte prefix parsed")
                } catch {
                    XCTAssertEqual(error, .truncated(needed: length < 40 ? 40 : blob.count, available: length))
                }
            }
        }
    }

    /// Truncated and with `totalsize` rewritten to the shorter length, so the header
    /// itself lies: the strings block (last in the blob) then sticks out.
    func testTruncatedWithMatchingTotalSize() throws {
        let blob = compacted(try realBlob())
        for length in 40..<blob.count {
            var cut = Array(blob[0..<length])
            cut[header: .totalSize] = UInt32(length)
            XCTAssertEqual(parseError(cut), .blockOutOfBounds, "length \(length)")
        }
    }

    /// `size_dt_struct` cut to every shorter length: the END token is lost, so every
    /// one must be rejected, with a structure error rather than a header one.
    func testTruncatedStructureBlock() throws {
        let blob = compacted(try realBlob())
        let structSize = Int(blob[header: .sizeStruct])
        var seen: Set<String> = []
        for size in 0..<structSize {
            var cut = blob
            cut[header: .sizeStruct] = UInt32(size)
            guard let error = parseError(cut) else {
                XCTFail("structure block cut to \(size) of \(structSize) bytes parsed")
                continue
            }
            switch error {
            case .badToken(let offset):
                seen.insert("badToken")
                XCTAssertLessThanOrEqual(offset, size + 3, "at most the padding past the cut")
            case .unterminatedName(let offset):
                seen.insert("unterminatedName")
                XCTAssertLessThan(offset, size)
            case .propertyOutOfBounds(let offset):
                seen.insert("propertyOutOfBounds")
                XCTAssertLessThan(offset, size)
            default:
                XCTFail("structure block cut to \(size): unexpected \(error)")
            }
        }
        XCTAssertEqual(seen, ["badToken", "unterminatedName", "propertyOutOfBounds"])
    }

    /// `size_dt_strings` cut to every shorter length: the last name loses its NUL.
    func testTruncatedStringsBlock() throws {
        let blob = compacted(try realBlob())
        let stringsSize = Int(blob[header: .sizeStrings])
        let reference = ReferenceTree(blob)
        for size in 0..<stringsSize {
            var cut = blob
            cut[header: .sizeStrings] = UInt32(size)
            guard let error = parseError(cut) else {
                XCTFail("strings block cut to \(size) of \(stringsSize) bytes parsed")
                continue
            }
            guard case .badStringOffset(let offset) = error else {
                XCTFail("strings block cut to \(size): unexpected \(error)")
                continue
            }
            XCTAssertTrue(reference.propertyOffsets.contains(offset), "offset \(offset) is a PROP token")
        }
    }

    // MARK: - Header corruption

    func testBadMagic() throws {
        let blob = try realBlob()
        for magic: UInt32 in [0, 0xedfe_0dd0, 0xd00d_feee, 0xffff_ffff, 0x7f45_4c46] {
            var bad = blob
            bad[header: .magic] = magic
            XCTAssertEqual(parseError(bad), .badMagic(magic))
            bad.withUnsafeBytes { XCTAssertNil(DeviceTree.totalSize(ofHeader: $0)) }
        }
        // An ELF file, a zeroed page, and text are not device trees.
        XCTAssertEqual(parseError([0x7f, 0x45, 0x4c, 0x46] + [UInt8](repeating: 0, count: 60)), .badMagic(0x7f45_4c46))
        XCTAssertEqual(parseError([UInt8](repeating: 0, count: 4096)), .badMagic(0))
        XCTAssertEqual(parseError(Array(String(repeating: "hello world ", count: 8).utf8)), .badMagic(0x6865_6c6c))
    }

    func testBadVersion() throws {
        let blob = try realBlob()
        for version: UInt32 in [0, 1, 2, 15] {
            var bad = blob
            bad[header: .version] = version
            XCTAssertEqual(parseError(bad), .unsupportedVersion(version))
        }
        // A future version is fine while it stays backwards compatible with 16/17...
        var future = blob
        future[header: .version] = 18
        XCTAssertNil(parseError(future))
        // ...but not when it says it is only readable by version 18 or later.
        for lastCompatible: UInt32 in [18, 0xffff_ffff] {
            var bad = blob
            bad[header: .lastCompatibleVersion] = lastCompatible
            XCTAssertEqual(parseError(bad), .unsupportedVersion(17))
        }
        // Version 16 (no size_dt_struct; the block runs to the strings) reads the same tree.
        var old = compacted(blob)
        old[header: .version] = 16
        old[header: .sizeStruct] = 0xdead_beef  // not part of a version 16 header
        XCTAssertNil(parseError(old))
        withTree(old) { tree in
            XCTAssertEqual(tree.version, 16)
            assertTree(tree, tree.root, matches: ReferenceTree(blob).root)
        }
    }

    func testHeaderOffsetsOutOfRange() throws {
        let blob = compacted(try realBlob())
        let total = UInt32(blob.count)
        let cases: [(HeaderField, UInt32)] = [
            (.offStruct, total), (.offStruct, total + 4), (.offStruct, 0xffff_fffc), (.offStruct, 0x8000_0000),
            (.offStruct, 0), (.offStruct, 36), (.offStruct, 0x42), (.offStruct, 0x41),
            (.offStrings, total + 1), (.offStrings, 0xffff_ffff), (.offStrings, 0), (.offStrings, 39),
            (.sizeStruct, total), (.sizeStruct, 0xffff_ffff), (.sizeStruct, total - 0x40 + 1),
            (.sizeStrings, total), (.sizeStrings, 0xffff_ffff),
            (.totalSize, 0), (.totalSize, 39),
        ]
        for (field, value) in cases {
            var bad = blob
            bad[header: field] = value
            XCTAssertEqual(parseError(bad), .blockOutOfBounds, "\(field) = 0x\(String(value, radix: 16))")
        }
        // A totalsize beyond the buffer is a truncation.
        for value: UInt32 in [total + 1, 0x10_0000, 0xffff_ffff] {
            var bad = blob
            bad[header: .totalSize] = value
            XCTAssertEqual(parseError(bad), .truncated(needed: Int(value), available: blob.count))
        }
        // In range but pointing at the wrong place: rejected by the structure check.
        for offset: UInt32 in [0x44, 0x48, 0x100, UInt32(blob[header: .offStrings])] {
            var bad = blob
            bad[header: .offStruct] = offset
            bad[header: .sizeStruct] = total - offset
            XCTAssertNotNil(parseError(bad), "off_dt_struct = 0x\(String(offset, radix: 16))")
        }
    }

    // MARK: - Fuzzing (seeded, so every run sees the same inputs)

    /// Random bytes of the structure block flipped, one to four at a time.
    func testRandomFlipsInStructureBlock() throws {
        let blob = compacted(try realBlob())
        let start = Int(blob[header: .offStruct])
        let size = Int(blob[header: .sizeStruct])
        var random = SeededRandom(seed: 0x4c75_6d65_6e44_5442)
        let tally = fuzz(iterations: 3000, &random) { random in
            var bad = blob
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bad[start + Int.random(in: 0..<size, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
            return bad
        }
        XCTAssertGreaterThan(tally.parsed, 100, "some flips only touch values")
        XCTAssertGreaterThan(tally.rejected, 100, "some flips break the structure")
    }

    /// The words that carry structure (tokens, property lengths and name offsets)
    /// replaced with boundary values: where random flips rarely land.
    func testStructuralWordsCorrupted() throws {
        let blob = compacted(try realBlob())
        let start = Int(blob[header: .offStruct])
        let reference = ReferenceTree(blob)
        var words = reference.tokenOffsets
        words += reference.propertyOffsets.flatMap { [$0 + 4, $0 + 8] }
        let interesting: [UInt32] = [0, 1, 2, 3, 4, 5, 8, 9, 10, 0x7fff_ffff, 0x8000_0000, 0xffff_fffc, 0xffff_ffff,
                                     UInt32(blob.count), UInt32(blob[header: .sizeStrings]),
                                     UInt32(blob[header: .sizeStruct])]
        var random = SeededRandom(seed: 17)
        var errors: [String: Int] = [:]
        let tally = fuzz(iterations: 4000, &random, errors: &errors) { random in
            var bad = blob
            for _ in 0..<Int.random(in: 1...2, using: &random) {
                let at = start + words.randomElement(using: &random)!
                let old = BE.read32(bad, at)
                let value: UInt32
                switch Int.random(in: 0..<4, using: &random) {
                case 0: value = old &+ UInt32.random(in: 1...8, using: &random)
                case 1: value = old &- UInt32.random(in: 1...8, using: &random)
                case 2: value = UInt32.random(in: 0...UInt32.max, using: &random)
                default: value = interesting.randomElement(using: &random)!
                }
                BE.write32(&bad, at, value)
            }
            return bad
        }
        XCTAssertGreaterThan(tally.rejected, 1000)
        for kind in ["badToken", "propertyOutOfBounds", "badStringOffset", "unbalanced"] {
            XCTAssertGreaterThan(errors[kind, default: 0], 0, "\(kind) never produced: \(errors)")
        }
    }

    /// Flips anywhere, header and strings included.
    func testRandomFlipsAnywhere() throws {
        let blob = compacted(try realBlob())
        var random = SeededRandom(seed: 0xfeed)
        let tally = fuzz(iterations: 1500, &random) { random in
            var bad = blob
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                bad[Int.random(in: 0..<bad.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            return bad
        }
        XCTAssertGreaterThan(tally.parsed + tally.rejected, 0)
    }

    /// Bytes inserted into or deleted from the structure block (the header kept
    /// consistent), which shifts everything after off its alignment.
    func testBytesInsertedOrDeleted() throws {
        let blob = compacted(try realBlob())
        let start = Int(blob[header: .offStruct])
        let size = Int(blob[header: .sizeStruct])
        var random = SeededRandom(seed: 0x1de1)
        let tally = fuzz(iterations: 1000, &random) { random in
            var bad = blob
            let at = start + Int.random(in: 0..<size, using: &random)
            let count = Int.random(in: 1...8, using: &random)
            let delta: Int
            if Bool.random(using: &random) {
                bad.removeSubrange(at..<Swift.min(at + count, start + size))
                delta = bad.count - blob.count
            } else {
                bad.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
                delta = count
            }
            bad[header: .sizeStruct] = UInt32(size + delta)
            bad[header: .offStrings] = UInt32(Int(blob[header: .offStrings]) + delta)
            bad[header: .totalSize] = UInt32(bad.count)
            return bad
        }
        XCTAssertGreaterThan(tally.rejected, 100)
    }

    /// Structural corruption of the synthetic trees: NOPs everywhere, and nesting at the depth limit.
    func testSyntheticTreesCorrupted() {
        var deep = FDTWriter()
        for level in 0..<DeviceTree.maximumDepth {
            deep.beginNode(level == 0 ? "" : "n@\(level)")
            deep.property("reg", cells: [UInt32(level), 1])
            deep.nop()
        }
        for _ in 0..<DeviceTree.maximumDepth { deep.endNode() }
        deep.end()
        for (index, blob) in [AccessorTests.sampleWriter().blob(), deep.blob()].enumerated() {
            XCTAssertNil(parseError(blob))
            let start = Int(blob[header: .offStruct])
            let reference = ReferenceTree(blob)
            let words = reference.tokenOffsets + reference.propertyOffsets.flatMap { [$0 + 4, $0 + 8] }
            var random = SeededRandom(seed: UInt64(100 + index))
            let tally = fuzz(iterations: 1500, &random) { random in
                var bad = blob
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let at = start + words.randomElement(using: &random)!
                    let value: UInt32 = Bool.random(using: &random)
                        ? UInt32.random(in: 0...10, using: &random)
                        : BE.read32(bad, at) ^ (1 << UInt32.random(in: 0...31, using: &random))
                    BE.write32(&bad, at, value)
                }
                return bad
            }
            XCTAssertGreaterThan(tally.parsed, 10)
            XCTAssertGreaterThan(tally.rejected, 100)
        }
    }

    /// Random blobs of random lengths with a valid-looking header.
    func testRandomGarbageWithValidHeader() {
        var random = SeededRandom(seed: 42)
        _ = fuzz(iterations: 1500, &random) { random in
            let length = Int.random(in: 64...512, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes[header: .magic] = 0xd00d_feed
            bytes[header: .totalSize] = UInt32(length)
            bytes[header: .version] = 17
            bytes[header: .lastCompatibleVersion] = 16
            bytes[header: .offStruct] = UInt32.random(in: 10...(UInt32(length) - 8) / 4, using: &random) * 4
            bytes[header: .offStrings] = UInt32.random(in: 40...UInt32(length), using: &random)
            bytes[header: .sizeStruct] = UInt32(length) - bytes[header: .offStruct]
            bytes[header: .sizeStrings] = UInt32(length) - bytes[header: .offStrings]
            // Sprinkle real tokens so the walk gets further than the first word.
            for _ in 0..<(length / 16) {
                let words = Int(bytes[header: .sizeStruct]) / 4
                let at = Int(bytes[header: .offStruct]) + Int.random(in: 0..<words, using: &random) * 4
                if at + 4 <= length {
                    BE.write32(&bytes, at, [1, 2, 3, 4, 9].randomElement(using: &random)!)
                }
            }
            return bytes
        }
    }

    // MARK: - Harness

    struct Tally {
        var parsed = 0
        var rejected = 0
    }

    private func fuzz(iterations: Int, _ random: inout SeededRandom,
                      file: StaticString = #filePath, line: UInt = #line,
                      _ mutate: (inout SeededRandom) -> [UInt8]) -> Tally {
        var errors: [String: Int] = [:]
        return fuzz(iterations: iterations, &random, errors: &errors, file: file, line: line, mutate)
    }

    private func fuzz(iterations: Int, _ random: inout SeededRandom, errors: inout [String: Int],
                      file: StaticString = #filePath, line: UInt = #line,
                      _ mutate: (inout SeededRandom) -> [UInt8]) -> Tally {
        var tally = Tally()
        random.state &+= Self.seedOffset
        for iteration in 0..<(iterations * Self.scale) {
            let blob = mutate(&random)
            switch parseAndExercise(blob) {
            case .success(let summary):
                tally.parsed += 1
                XCTAssertEqual(summary.escapes, 0, "iteration \(iteration): a view outside the blob", file: file, line: line)
                XCTAssertEqual(summary.inconsistencies, 0, "iteration \(iteration)", file: file, line: line)
                XCTAssertGreaterThan(summary.nodes, 0, file: file, line: line)
            case .failure(let error):
                tally.rejected += 1
                XCTAssertFalse(error.message.isEmpty, file: file, line: line)
                errors[Self.kind(error), default: 0] += 1
            }
        }
        return tally
    }

    static func kind(_ error: DeviceTreeError) -> String {
        switch error {
        case .truncated: return "truncated"
        case .badMagic: return "badMagic"
        case .unsupportedVersion: return "unsupportedVersion"
        case .blockOutOfBounds: return "blockOutOfBounds"
        case .badToken: return "badToken"
        case .unterminatedName: return "unterminatedName"
        case .propertyOutOfBounds: return "propertyOutOfBounds"
        case .badStringOffset: return "badStringOffset"
        case .nestingTooDeep: return "nestingTooDeep"
        case .unbalanced: return "unbalanced"
        }
    }
}
