/// A read-only view of a flattened device tree (DTB), as QEMU places at the start
/// of RAM. `init` validates the whole structure block once, so every accessor after
/// it stays in bounds. None of them allocates (except the variadic `node(atPath:)`),
/// so the kernel can read the memory size before it has a heap.

import Wire
public struct DeviceTree {
    static let magic: UInt32 = 0xd00d_feed
    static let tokenBeginNode: UInt32 = 1
    static let tokenEndNode: UInt32 = 2
    static let tokenProperty: UInt32 = 3
    static let tokenNop: UInt32 = 4
    static let tokenEnd: UInt32 = 9
    static let maximumDepth = 32

    /// The blob, cut to its `totalsize`.
    public let bytes: UnsafeRawBufferPointer
    let structOffset: Int
    let structSize: Int
    let stringsOffset: Int
    let stringsSize: Int
    public let version: UInt32

    /// Validates the blob at the start of `buffer`; `buffer` bounds what may be read
    /// (in the kernel: from the blob's address to the end of the first RAM bank).
    public init(bytes buffer: UnsafeRawBufferPointer) throws(DeviceTreeError) {
        guard buffer.count >= 40 else { throw .truncated(needed: 40, available: buffer.count) }
        let magic = BigEndian.u32(buffer, at: 0)
        guard magic == DeviceTree.magic else { throw .badMagic(magic) }
        let total = Int(BigEndian.u32(buffer, at: 4))
        guard total >= 40 else { throw .blockOutOfBounds }
        guard total <= buffer.count else { throw .truncated(needed: total, available: buffer.count) }
        let version = BigEndian.u32(buffer, at: 20)
        let lastCompatible = BigEndian.u32(buffer, at: 24)
        guard version >= 16, lastCompatible <= 17 else { throw .unsupportedVersion(version) }
        let offStruct = Int(BigEndian.u32(buffer, at: 8))
        let offStrings = Int(BigEndian.u32(buffer, at: 12))
        let sizeStrings = Int(BigEndian.u32(buffer, at: 32))
        // Version 16 has no size_dt_struct; the block then runs to the strings or the end.
        var sizeStruct = version >= 17 ? Int(BigEndian.u32(buffer, at: 36)) : 0
        if version < 17 { sizeStruct = (offStrings > offStruct ? offStrings : total) - offStruct }
        guard offStruct % 4 == 0, offStruct >= 40, offStruct <= total, sizeStruct <= total - offStruct,
              offStrings >= 40, offStrings <= total, sizeStrings <= total - offStrings
        else { throw .blockOutOfBounds }

        self.bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<total])
        self.structOffset = offStruct
        self.structSize = sizeStruct
        self.stringsOffset = offStrings
        self.stringsSize = sizeStrings
        self.version = version
        try validate()
    }

    /// The blob's own `totalsize` read from a header, or nil if `header` is not a
    /// DTB header. Lets the kernel learn how much to map before calling `init`.
    public static func totalSize(ofHeader header: UnsafeRawBufferPointer) -> Int? {
        guard header.count >= 8, BigEndian.u32(header, at: 0) == magic else { return nil }
        return Int(BigEndian.u32(header, at: 4))
    }

    // MARK: - Nodes

    /// The root node (`/`).
    public var root: Node { Node(offset: firstNodeOffset) }

    /// The name of a node as raw bytes, including any `@unit-address`; empty for the root.
    public func name(of node: Node) -> UnsafeRawBufferPointer {
        let start = structOffset + node.offset + 4
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + stringLength(at: start))])
    }

    /// The node's direct children, in blob order.
    public func children(of node: Node) -> Children { Children(tree: self, parent: node) }

    /// The node's properties, in blob order.
    public func properties(of node: Node) -> Properties { Properties(tree: self, node: node) }

    /// The named property of a node.
    public func property(_ name: StaticString, of node: Node) -> Property? {
        for property in properties(of: node) where DeviceTree.equal(property.name, name) {
            return property
        }
        return nil
    }

    /// The child whose name is `name`, or whose name is `name@unit-address`.
    public func child(_ name: StaticString, of node: Node) -> Node? {
        for child in children(of: node) where DeviceTree.nodeName(self.name(of: child), matches: name) {
            return child
        }
        return nil
    }

    /// A node by its path from the root, one component per argument: `node(atPath: "chosen")`.
    public func node(atPath components: StaticString...) -> Node? {
        var node = root
        for component in components {
            guard let next = child(component, of: node) else { return nil }
            node = next
        }
        return node
    }

    /// Every node in the tree, depth first, with its parent (nil for the root).
    public func forEachNode(_ body: (_ node: Node, _ parent: Node?) -> Void) {
        walk(root, parent: nil, depth: 0, body)
    }

    private func walk(_ node: Node, parent: Node?, depth: Int, _ body: (Node, Node?) -> Void) {
        body(node, parent)
        guard depth < DeviceTree.maximumDepth else { return }
        for child in children(of: node) { walk(child, parent: node, depth: depth + 1, body) }
    }

    /// Whether a node's `compatible` list contains `value`.
    public func isCompatible(_ node: Node, with value: StaticString) -> Bool {
        guard let compatible = property("compatible", of: node) else { return false }
        for entry in compatible.strings where DeviceTree.equal(entry, value) { return true }
        return false
    }

    /// `#address-cells` and `#size-cells` of a node (the defaults 2 and 1 when absent).
    public func cellCounts(of node: Node) -> (address: Int, size: Int) {
        let address = property("#address-cells", of: node)?.u32(at: 0).map(Int.init) ?? 2
        let size = property("#size-cells", of: node)?.u32(at: 0).map(Int.init) ?? 1
        return (address, size)
    }

    /// The `reg` entries of `node`, interpreted with its parent's cell counts.
    public func registers(of node: Node, parent: Node) -> RegisterList {
        let cells = cellCounts(of: parent)
        let data = property("reg", of: node)?.value ?? UnsafeRawBufferPointer(start: nil, count: 0)
        return RegisterList(data: data, addressCells: cells.address, sizeCells: cells.size)
    }

    // MARK: - Validation

    var firstNodeOffset: Int {
        var offset = 0
        while offset + 4 <= structSize, token(at: offset) == DeviceTree.tokenNop { offset += 4 }
        return offset
    }

    /// One pass over the structure block: every token known and aligned, every name
    /// terminated, every property inside the block and its name inside the strings,
    /// nodes balanced with a single root.
    private func validate() throws(DeviceTreeError) {
        var offset = 0
        var depth = 0
        var roots = 0
        while true {
            guard offset + 4 <= structSize else { throw .badToken(offset: offset) }
            let token = self.token(at: offset)
            switch token {
            case DeviceTree.tokenBeginNode:
                if depth == 0 { roots += 1; guard roots == 1 else { throw .unbalanced } }
                depth += 1
                guard depth <= DeviceTree.maximumDepth else { throw .nestingTooDeep }
                let nameStart = structOffset + offset + 4
                guard let length = terminatedLength(from: nameStart, limit: structOffset + structSize) else {
                    throw .unterminatedName(offset: offset)
                }
                offset = DeviceTree.align4(offset + 4 + length + 1)
            case DeviceTree.tokenEndNode:
                guard depth > 0 else { throw .unbalanced }
                depth -= 1
                offset += 4
            case DeviceTree.tokenProperty:
                guard depth > 0, offset + 12 <= structSize else { throw .propertyOutOfBounds(offset: offset) }
                let length = Int(word(at: offset + 4))
                let nameOffset = Int(word(at: offset + 8))
                guard length <= structSize - offset - 12 else { throw .propertyOutOfBounds(offset: offset) }
                guard nameOffset < stringsSize,
                      terminatedLength(from: stringsOffset + nameOffset, limit: stringsOffset + stringsSize) != nil
                else { throw .badStringOffset(offset: offset) }
                offset = DeviceTree.align4(offset + 12 + length)
            case DeviceTree.tokenNop:
                offset += 4
            case DeviceTree.tokenEnd:
                guard depth == 0, roots == 1 else { throw .unbalanced }
                return
            default:
                throw .badToken(offset: offset)
            }
        }
    }

    // MARK: - Raw access (offsets are validated, so these stay in bounds)

    func token(at offset: Int) -> UInt32 { word(at: offset) }
    func word(at structRelative: Int) -> UInt32 { BigEndian.u32(bytes, at: structOffset + structRelative) }

    func stringLength(at absolute: Int) -> Int {
        var end = absolute
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        return end - absolute
    }

    func terminatedLength(from start: Int, limit: Int) -> Int? {
        var index = start
        while index < limit {
            if bytes[index] == 0 { return index - start }
            index += 1
        }
        return nil
    }

    func string(atStringsOffset offset: Int) -> UnsafeRawBufferPointer {
        let start = stringsOffset + offset
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + stringLength(at: start))])
    }

    /// Skips the node that begins at `offset` and everything inside it.
    func offsetAfterNode(at offset: Int) -> Int {
        var offset = offset
        var depth = 0
        repeat {
            switch token(at: offset) {
            case DeviceTree.tokenBeginNode:
                depth += 1
                offset = DeviceTree.align4(offset + 4 + stringLength(at: structOffset + offset + 4) + 1)
            case DeviceTree.tokenEndNode:
                depth -= 1
                offset += 4
            case DeviceTree.tokenProperty:
                offset = DeviceTree.align4(offset + 12 + Int(word(at: offset + 4)))
            case DeviceTree.tokenNop:
                offset += 4
            default:
                return structSize
            }
        } while depth > 0 && offset < structSize
        return offset
    }

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }

    /// Byte-wise comparison with a static string; no allocation.
    public static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let other = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for index in 0..<bytes.count where bytes[index] != other[index] { return false }
        return true
    }

    /// `memory@40000000` matches `memory`; `memory` matches `memory`.
    static func nodeName(_ bytes: UnsafeRawBufferPointer, matches text: StaticString) -> Bool {
        if equal(bytes, text) { return true }
        let length = text.utf8CodeUnitCount
        guard bytes.count > length, bytes[length] == UInt8(ascii: "@") else { return false }
        return equal(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), text)
    }
}

/// A node, named by the offset of its BEGIN_NODE token in the structure block.
public struct Node: Equatable {
    public let offset: Int
}
