// Test-only helpers: a small flattened-device-tree writer for synthetic blobs, an
// independent reference reader to cross-check the parser, big-endian patching, and a
// seeded deterministic RNG. Self-contained: nothing here depends on TestSupport.

/// Builds a DTB (version 17 by default) token by token. Every token-writing method
/// returns the structure-block offset of the token it wrote, which is what the
/// parser's errors report.
struct FDTWriter {
    private(set) var structure: [UInt8] = []
    private(set) var strings: [UInt8] = []
    private var stringOffsets: [String: UInt32] = [:]

    static let headerSize = 40
    /// Header, then one empty memory-reservation entry (the terminator), then the blocks.
    static let structOffset = headerSize + 16

    /// Header fields; `blob(_:)` fills them with consistent values and lets a test
    /// override any of them afterwards.
    struct Header {
        var magic: UInt32 = 0xd00d_feed
        var totalSize: UInt32 = 0
        var offStruct: UInt32 = 0
        var offStrings: UInt32 = 0
        var offMemRsvmap: UInt32 = UInt32(FDTWriter.headerSize)
        var version: UInt32 = 17
        var lastCompatibleVersion: UInt32 = 16
        var bootCPU: UInt32 = 0
        var sizeStrings: UInt32 = 0
        var sizeStruct: UInt32 = 0
    }

    /// The current end of the structure block.
    var offset: Int { structure.count }

    // MARK: Strings block

    /// The strings-block offset of `name`, adding it on first use.
    mutating func intern(_ name: String) -> UInt32 {
        if let existing = stringOffsets[name] { return existing }
        let offset = UInt32(strings.count)
        strings += Array(name.utf8) + [0]
        stringOffsets[name] = offset
        return offset
    }

    /// Appends raw bytes to the strings block (for unterminated or odd strings).
    @discardableResult
    mutating func appendRawString(_ bytes: [UInt8]) -> UInt32 {
        let offset = UInt32(strings.count)
        strings += bytes
        return offset
    }

    // MARK: Structure block

    mutating func word(_ value: UInt32) {
        structure += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    mutating func raw(_ bytes: [UInt8]) { structure += bytes }

    mutating func pad() { while structure.count % 4 != 0 { structure.append(0) } }

    @discardableResult
    mutating func beginNode(_ name: String) -> Int {
        beginNode(nameBytes: Array(name.utf8))
    }

    @discardableResult
    mutating func beginNode(nameBytes: [UInt8], terminated: Bool = true) -> Int {
        let at = offset
        word(1)
        raw(nameBytes)
        if terminated {
            structure.append(0)
            pad()
        }
        return at
    }

    @discardableResult
    mutating func endNode() -> Int {
        let at = offset
        word(2)
        return at
    }

    @discardableResult
    mutating func property(_ name: String, _ value: [UInt8]) -> Int {
        let nameOffset = intern(name)
        return property(length: UInt32(value.count), nameOffset: nameOffset, value: value)
    }

    /// A PROP token with whatever length and name offset the test wants.
    @discardableResult
    mutating func property(length: UInt32, nameOffset: UInt32, value: [UInt8], padded: Bool = true) -> Int {
        let at = offset
        word(3)
        word(length)
        word(nameOffset)
        raw(value)
        if padded { pad() }
        return at
    }

    @discardableResult
    mutating func property(_ name: String, cells: [UInt32]) -> Int {
        property(name, cells.flatMap(FDTWriter.bigEndian))
    }

    @discardableResult
    mutating func property(_ name: String, string: String) -> Int {
        property(name, Array(string.utf8) + [0])
    }

    @discardableResult
    mutating func property(_ name: String, strings list: [String]) -> Int {
        property(name, list.flatMap { Array($0.utf8) + [0] })
    }

    /// An empty (boolean) property such as `interrupt-controller`.
    @discardableResult
    mutating func flag(_ name: String) -> Int { property(name, []) }

    @discardableResult
    mutating func nop() -> Int {
        let at = offset
        word(4)
        return at
    }

    @discardableResult
    mutating func end() -> Int {
        let at = offset
        word(9)
        return at
    }

    /// BEGIN_NODE, `body`, END_NODE.
    mutating func node(_ name: String, _ body: (inout FDTWriter) -> Void = { _ in }) {
        beginNode(name)
        body(&self)
        endNode()
    }

    // MARK: Blob

    /// Header + empty reservation map + structure block + strings block.
    func blob(_ customize: (inout Header) -> Void = { _ in }) -> [UInt8] {
        var header = Header()
        header.offStruct = UInt32(FDTWriter.structOffset)
        header.sizeStruct = UInt32(structure.count)
        header.offStrings = UInt32(FDTWriter.structOffset + structure.count)
        header.sizeStrings = UInt32(strings.count)
        header.totalSize = UInt32(FDTWriter.structOffset + structure.count + strings.count)
        customize(&header)
        var out: [UInt8] = []
        for field in [header.magic, header.totalSize, header.offStruct, header.offStrings, header.offMemRsvmap,
                      header.version, header.lastCompatibleVersion, header.bootCPU, header.sizeStrings,
                      header.sizeStruct] {
            out += FDTWriter.bigEndian(field)
        }
        out += [UInt8](repeating: 0, count: 16)
        out += structure
        out += strings
        return out
    }

    /// A complete, valid blob: root + END, with `body` writing the root's contents.
    static func tree(rootName: String = "", _ body: (inout FDTWriter) -> Void) -> FDTWriter {
        var writer = FDTWriter()
        writer.node(rootName, body)
        writer.end()
        return writer
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
}

// MARK: - Byte helpers

enum BE {
    static func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    static func write32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        bytes.replaceSubrange(offset..<(offset + 4), with: FDTWriter.bigEndian(value))
    }
}

/// Header field offsets of a DTB.
enum HeaderField: Int, CaseIterable {
    case magic = 0, totalSize = 4, offStruct = 8, offStrings = 12, offMemRsvmap = 16
    case version = 20, lastCompatibleVersion = 24, bootCPU = 28, sizeStrings = 32, sizeStruct = 36
}

extension Array where Element == UInt8 {
    subscript(header field: HeaderField) -> UInt32 {
        get { BE.read32(self, field.rawValue) }
        set { BE.write32(&self, field.rawValue, newValue) }
    }
}

/// The blob cut to the end of its last block, with `totalsize` rewritten to match
/// (QEMU's dumps are padded to 1 MiB; the compact copy is cheap to mutate).
func compacted(_ blob: [UInt8]) -> [UInt8] {
    let structEnd = Int(blob[header: .offStruct]) + Int(blob[header: .sizeStruct])
    let stringsEnd = Int(blob[header: .offStrings]) + Int(blob[header: .sizeStrings])
    let end = Swift.max(structEnd, stringsEnd)
    var out = Array(blob[0..<end])
    out[header: .totalSize] = UInt32(end)
    return out
}

// MARK: - Reference reader

/// A device tree decoded by a deliberately simple, independent reader, to compare
/// the parser's answers against. Only for well-formed blobs.
struct ReferenceNode: Equatable {
    var name: [UInt8]
    var properties: [ReferenceProperty] = []
    var children: [ReferenceNode] = []

    var nodeCount: Int { 1 + children.reduce(0) { $0 + $1.nodeCount } }
    var propertyCount: Int { properties.count + children.reduce(0) { $0 + $1.propertyCount } }
}

struct ReferenceProperty: Equatable {
    var name: [UInt8]
    var value: [UInt8]
    /// Structure-block offsets of this PROP token's length and name-offset words.
    var tokenOffset: Int
}

struct ReferenceTree {
    var root: ReferenceNode
    /// Structure-block offsets of every token word (for targeted corruption).
    var tokenOffsets: [Int] = []
    /// Structure-block offsets of every PROP token.
    var propertyOffsets: [Int] = []

    init(_ blob: [UInt8]) {
        let structStart = Int(blob[header: .offStruct])
        let stringsStart = Int(blob[header: .offStrings])
        var offset = 0
        var tokens: [Int] = []
        var props: [Int] = []

        func word() -> UInt32 { BE.read32(blob, structStart + offset) }
        func align() { offset = (offset + 3) & ~3 }
        func cString(_ start: Int) -> [UInt8] {
            var end = start
            while blob[end] != 0 { end += 1 }
            return Array(blob[start..<end])
        }

        func readNode() -> ReferenceNode {
            precondition(word() == 1, "reference reader: expected BEGIN_NODE")
            tokens.append(offset)
            let name = cString(structStart + offset + 4)
            offset += 4 + name.count + 1
            align()
            var node = ReferenceNode(name: name)
            while true {
                switch word() {
                case 4:
                    tokens.append(offset)
                    offset += 4
                case 3:
                    tokens.append(offset)
                    props.append(offset)
                    let length = Int(BE.read32(blob, structStart + offset + 4))
                    let nameOffset = Int(BE.read32(blob, structStart + offset + 8))
                    let valueStart = structStart + offset + 12
                    node.properties.append(ReferenceProperty(
                        name: cString(stringsStart + nameOffset),
                        value: Array(blob[valueStart..<(valueStart + length)]),
                        tokenOffset: offset))
                    offset += 12 + length
                    align()
                case 1:
                    node.children.append(readNode())
                case 2:
                    tokens.append(offset)
                    offset += 4
                    return node
                default:
                    preconditionFailure("reference reader: unexpected token")
                }
            }
        }

        while word() == 4 {
            tokens.append(offset)
            offset += 4
        }
        root = readNode()
        while word() == 4 {
            tokens.append(offset)
            offset += 4
        }
        precondition(word() == 9, "reference reader: expected END")
        tokens.append(offset)
        tokenOffsets = tokens
        propertyOffsets = props
    }
}

// MARK: - Deterministic RNG

/// SplitMix64: tiny, seeded, identical on every run and platform.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
