import XCTest
@testable import DeviceTree

/// Hand-built malformed blobs, each mapped to its specific DeviceTreeError case.
/// Offsets in errors are relative to the structure block, as FDTWriter reports them.
final class StructureErrorTests: XCTestCase {

    // MARK: - Property length

    func testPropertyLengthOverflowingTheStructureBlock() {
        for length: UInt32 in [0x100, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fff4, 0xffff_ffff] {
            var writer = FDTWriter()
            writer.beginNode("")
            writer.property("#address-cells", cells: [2])
            let name = writer.intern("huge")
            let bad = writer.property(length: length, nameOffset: name, value: [1, 2, 3, 4])
            writer.endNode()
            writer.end()
            XCTAssertEqual(parseError(writer.blob()), .propertyOutOfBounds(offset: bad), "length 0x\(String(length, radix: 16))")
        }
    }

    /// The exact boundary: a value that ends exactly at the end of the block is in
    /// bounds (the END token is then missing), one byte more is not.
    func testPropertyLengthBoundary() {
        func blob(extra: Int) -> ([UInt8], Int, Int) {
            var writer = FDTWriter()
            writer.beginNode("")
            let name = writer.intern("p")
            let at = writer.offset
            // Claim the rest of the block: this token's 12 bytes, then END_NODE + END (8 bytes).
            let length = UInt32(8 + extra)
            writer.property(length: length, nameOffset: name, value: [], padded: false)
            writer.endNode()
            writer.end()
            return (writer.blob(), at, writer.offset)
        }
        let (fits, _, structSize) = blob(extra: 0)
        XCTAssertEqual(parseError(fits), .badToken(offset: structSize))
        let (over, at, _) = blob(extra: 1)
        XCTAssertEqual(parseError(over), .propertyOutOfBounds(offset: at))
    }

    /// A PROP token with no room for its length and name-offset words.
    func testPropertyHeaderCutOff() {
        for words in 0...2 {
            var writer = FDTWriter()
            writer.beginNode("")
            writer.property("a", cells: [1])
            let at = writer.offset
            writer.word(3)
            for _ in 0..<words { writer.word(0) }
            let expected: DeviceTreeError = words < 2
                ? .propertyOutOfBounds(offset: at)
                : .badToken(offset: at + 12)  // a complete, empty property; then the block ends
            XCTAssertEqual(parseError(writer.blob()), expected, "\(words) words after the token")
        }
    }

    func testPropertyOutsideAnyNode() {
        var before = FDTWriter()
        let at = before.property("stray", cells: [1])
        before.node("")
        before.end()
        XCTAssertEqual(parseError(before.blob()), .propertyOutOfBounds(offset: at))

        var after = FDTWriter()
        after.node("") { $0.property("a", cells: [1]) }
        let late = after.property("stray", cells: [1])
        after.end()
        XCTAssertEqual(parseError(after.blob()), .propertyOutOfBounds(offset: late))
    }

    // MARK: - Names

    func testUnterminatedNodeName() {
        // A child whose name runs to the end of the structure block. The strings block
        // right after it does contain NULs: they must not count.
        var writer = FDTWriter()
        writer.beginNode("")
        writer.property("compatible", string: "x")
        let bad = writer.beginNode(nameBytes: Array("virtio_mmio@a000000".utf8), terminated: false)
        XCTAssertEqual(parseError(writer.blob()), .unterminatedName(offset: bad))

        // The root's own name.
        var root = FDTWriter()
        root.beginNode(nameBytes: [0x61, 0x62, 0x63, 0x64], terminated: false)
        XCTAssertEqual(parseError(root.blob()), .unterminatedName(offset: 0))

        // A BEGIN_NODE token as the very last word: no name byte at all.
        var nested = FDTWriter()
        nested.beginNode("")
        let tail = nested.beginNode(nameBytes: [], terminated: false)
        XCTAssertEqual(parseError(nested.blob()), .unterminatedName(offset: tail))
    }

    /// A name whose NUL is the block's last byte: the token after it would start past the end.
    func testNameEndingAtTheBlockEnd() {
        var writer = FDTWriter()
        writer.beginNode("")
        writer.beginNode(nameBytes: Array("abcdef".utf8) + [0], terminated: false)  // 4 + 7 bytes
        let blob = writer.blob()
        // Root: 8 bytes. Child at 8: token, then 7 name bytes end at 19; the next token would be at 20.
        XCTAssertEqual(writer.offset, 19)
        XCTAssertEqual(parseError(blob), .badToken(offset: 20))
    }

    func testNameOffsetOutOfRange() {
        var writer = FDTWriter()
        writer.beginNode("")
        writer.property("compatible", string: "lumen")
        let stringsSize = UInt32(writer.strings.count)
        for nameOffset: UInt32 in [stringsSize, stringsSize + 1, 0x7fff_ffff, 0xffff_ffff] {
            var copy = writer
            let at = copy.property(length: 4, nameOffset: nameOffset, value: [0, 0, 0, 1])
            copy.endNode()
            copy.end()
            XCTAssertEqual(parseError(copy.blob()), .badStringOffset(offset: at), "nameoff \(nameOffset)")
        }
        // The last byte of the block (its NUL) is a valid, empty name.
        var edge = writer
        edge.property(length: 0, nameOffset: stringsSize - 1, value: [])
        edge.endNode()
        edge.end()
        XCTAssertNil(parseError(edge.blob()))
        withTree(edge.blob()) { tree in
            let names = tree.properties(of: tree.root).map { string($0.name) }
            XCTAssertEqual(names, ["compatible", ""])
        }
    }

    /// A name that starts inside the strings block but has no NUL before its end.
    func testNameRunningPastTheStringsBlock() {
        var writer = FDTWriter()
        writer.beginNode("")
        let open = writer.appendRawString(Array("unterminated".utf8))
        let at = writer.property(length: 0, nameOffset: open, value: [])
        writer.endNode()
        writer.end()
        XCTAssertEqual(parseError(writer.blob()), .badStringOffset(offset: at))

        // The NUL exists in the blob, but one byte past size_dt_strings.
        writer.appendRawString([0])
        var blob = writer.blob()
        XCTAssertNil(parseError(blob))
        blob[header: .sizeStrings] -= 1
        XCTAssertEqual(parseError(blob), .badStringOffset(offset: at))
    }

    // MARK: - Balance

    func testExtraEndNode() {
        var writer = FDTWriter()
        writer.node("") { $0.node("child") }
        writer.endNode()
        writer.end()
        XCTAssertEqual(parseError(writer.blob()), .unbalanced)
    }

    func testEndNodeFirst() {
        var writer = FDTWriter()
        writer.endNode()
        writer.node("")
        writer.end()
        XCTAssertEqual(parseError(writer.blob()), .unbalanced)
    }

    func testMissingEndNode() {
        var writer = FDTWriter()
        writer.beginNode("")
        writer.node("child")
        writer.beginNode("open")
        writer.end()
        XCTAssertEqual(parseError(writer.blob()), .unbalanced)
    }

    func testTwoRoots() {
        var writer = FDTWriter()
        writer.node("")
        writer.node("")
        writer.end()
        XCTAssertEqual(parseError(writer.blob()), .unbalanced)
    }

    func testNoRoot() {
        var end = FDTWriter()
        end.end()
        XCTAssertEqual(parseError(end.blob()), .unbalanced)
        var nops = FDTWriter()
        nops.nop()
        nops.nop()
        nops.end()
        XCTAssertEqual(parseError(nops.blob()), .unbalanced)
    }

    // MARK: - Depth

    private func nested(_ depth: Int) -> FDTWriter {
        var writer = FDTWriter()
        for level in 0..<depth { writer.beginNode(level == 0 ? "" : "a") }
        for _ in 0..<depth { writer.endNode() }
        writer.end()
        return writer
    }

    func testDepthAtTheLimit() {
        let blob = nested(DeviceTree.maximumDepth).blob()
        XCTAssertNil(parseError(blob))
        withTree(blob) { tree in
            var visited = 0
            tree.forEachNode { _, _ in visited += 1 }
            XCTAssertEqual(visited, DeviceTree.maximumDepth, "every level is walked")
            var node = tree.root
            for level in 1..<DeviceTree.maximumDepth {
                guard let next = tree.child("a", of: node) else { return XCTFail("level \(level) missing") }
                node = next
            }
            XCTAssertNil(tree.child("a", of: node))
            XCTAssertEqual(Array(tree.children(of: node)).count, 0)
            XCTAssertNotNil(tree.node(atPath: "a", "a", "a"))
        }
    }

    func testDepthBeyondTheLimit() {
        XCTAssertEqual(parseError(nested(DeviceTree.maximumDepth + 1).blob()), .nestingTooDeep)
        XCTAssertEqual(parseError(nested(10_000).blob()), .nestingTooDeep)
        // Too deep even when unbalanced below: depth is checked on the way down.
        var open = FDTWriter()
        for _ in 0...DeviceTree.maximumDepth { open.beginNode("x") }
        XCTAssertEqual(parseError(open.blob()), .nestingTooDeep)
    }

    // MARK: - Tokens

    func testUnknownTokens() {
        for token: UInt32 in [0, 5, 6, 7, 8, 10, 0x0100_0000, 0x0900_0000, 0xffff_ffff] {
            var writer = FDTWriter()
            writer.beginNode("")
            writer.property("a", cells: [1])
            let at = writer.offset
            writer.word(token)
            writer.endNode()
            writer.end()
            XCTAssertEqual(parseError(writer.blob()), .badToken(offset: at), "token 0x\(String(token, radix: 16))")
        }
    }

    func testMissingEndToken() {
        var writer = FDTWriter()
        writer.node("") { $0.property("a", cells: [1]) }
        XCTAssertEqual(parseError(writer.blob()), .badToken(offset: writer.offset))
        // END cut in half by size_dt_struct.
        writer.end()
        var blob = writer.blob()
        blob[header: .sizeStruct] -= 2
        XCTAssertEqual(parseError(blob), .badToken(offset: writer.offset - 4))
    }

    func testEmptyStructureBlock() {
        let blob = FDTWriter().blob()
        XCTAssertEqual(parseError(blob), .badToken(offset: 0))
    }

    /// Anything after END inside the block is never read (as libfdt does).
    func testBytesAfterEndAreIgnored() {
        var writer = FDTWriter.tree { $0.property("a", cells: [7]) }
        writer.word(0xffff_ffff)
        writer.word(2)
        writer.word(3)
        XCTAssertNil(parseError(writer.blob()))
        withTree(writer.blob()) { tree in
            XCTAssertEqual(tree.property("a", of: tree.root)?.u32(at: 0), 7)
        }
    }

    // MARK: - Messages

    func testMessagesAreReadable() {
        let all: [DeviceTreeError] = [
            .truncated(needed: 1_048_576, available: 4096), .badMagic(0xedfe_0dd0), .unsupportedVersion(3),
            .blockOutOfBounds, .badToken(offset: 0x1234), .unterminatedName(offset: 88), .propertyOutOfBounds(offset: 96),
            .badStringOffset(offset: 104), .nestingTooDeep, .unbalanced,
        ]
        var seen: Set<String> = []
        for error in all {
            let message = error.message
            XCTAssertFalse(message.isEmpty)
            XCTAssertTrue(message.contains("device tree"), message)
            XCTAssertFalse(message.contains("Optional"), message)
            XCTAssertTrue(message.allSatisfy { $0.isASCII && !$0.isNewline }, message)
            XCTAssertGreaterThan(message.count, 20, message)
            seen.insert(message)
        }
        XCTAssertEqual(seen.count, all.count, "each case reads differently")
        XCTAssertTrue(DeviceTreeError.truncated(needed: 1_048_576, available: 4096).message.contains("1048576"))
        XCTAssertTrue(DeviceTreeError.truncated(needed: 1_048_576, available: 4096).message.contains("4096"))
        XCTAssertTrue(DeviceTreeError.badMagic(0xedfe_0dd0).message.contains("0xedfe0dd0"))
        XCTAssertTrue(DeviceTreeError.badMagic(0).message.contains("0x0"))
        XCTAssertTrue(DeviceTreeError.unsupportedVersion(3).message.contains("3"))
        XCTAssertTrue(DeviceTreeError.badToken(offset: 0x1234).message.contains("\(0x1234)"))
        XCTAssertTrue(DeviceTreeError.unterminatedName(offset: 88).message.contains("88"))
        XCTAssertTrue(DeviceTreeError.propertyOutOfBounds(offset: 96).message.contains("96"))
        XCTAssertTrue(DeviceTreeError.badStringOffset(offset: 104).message.contains("104"))
    }

    /// Errors thrown by real rejections carry messages too (not only hand-made values).
    func testThrownErrorsHaveMessages() {
        let samples: [[UInt8]] = [
            [], [0xd0, 0x0d, 0xfe, 0xed], [UInt8](repeating: 0, count: 64), nested(40).blob(), FDTWriter().blob(),
        ]
        for blob in samples {
            guard let error = parseError(blob) else { return XCTFail("parsed") }
            XCTAssertFalse(error.message.isEmpty)
        }
    }
}
