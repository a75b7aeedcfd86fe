/// One property of a node: its name and its value bytes (big-endian cells, or
/// NUL-separated strings, depending on the property).

import Wire
public struct Property {
    public let name: UnsafeRawBufferPointer
    public let value: UnsafeRawBufferPointer

    /// The big-endian 32-bit cell at `index`, if the value is long enough.
    public func u32(at index: Int) -> UInt32? {
        // Compare indices, not byte offsets: `index * 4` would overflow (and trap)
        // for indices near Int.min or Int.max.
        guard index >= 0, index < value.count / 4 else { return nil }
        return BigEndian.u32(value, at: index * 4)
    }

    /// `cells` consecutive 32-bit cells starting at `index`, as one number (1 or 2 cells).
    public func number(at index: Int, cells: Int) -> UInt64? {
        guard cells >= 0, cells <= 2 else { return nil }
        var result: UInt64 = 0
        for cell in 0..<cells {
            // Wrapping add: past Int.max the index turns negative and u32 answers nil.
            guard let word = u32(at: index &+ cell) else { return nil }
            result = result << 32 | UInt64(word)
        }
        return result
    }

    /// The NUL-separated strings of a string-list property (`compatible`).
    public var strings: StringList { StringList(value: value) }

    /// The first string of the value, without its NUL.
    public var firstString: UnsafeRawBufferPointer {
        var end = 0
        while end < value.count, value[end] != 0 { end += 1 }
        return UnsafeRawBufferPointer(rebasing: value[0..<end])
    }
}

/// The strings of a string-list value, each without its NUL.
public struct StringList: Sequence {
    let value: UnsafeRawBufferPointer

    public struct Iterator: IteratorProtocol {
        let value: UnsafeRawBufferPointer
        var position = 0

        public mutating func next() -> UnsafeRawBufferPointer? {
            guard position < value.count else { return nil }
            var end = position
            while end < value.count, value[end] != 0 { end += 1 }
            let string = UnsafeRawBufferPointer(rebasing: value[position..<end])
            position = end + 1
            return string
        }
    }

    public func makeIterator() -> Iterator { Iterator(value: value) }
}

/// A `reg` property as (address, size) pairs.
public struct RegisterList: Sequence {
    let data: UnsafeRawBufferPointer
    let addressCells: Int
    let sizeCells: Int

    public struct Iterator: IteratorProtocol {
        let list: RegisterList
        var cell = 0

        public mutating func next() -> (address: UInt64, size: UInt64)? {
            let property = Property(name: UnsafeRawBufferPointer(start: nil, count: 0), value: list.data)
            let stride = list.addressCells + list.sizeCells
            guard stride > 0,
                  let address = property.number(at: cell, cells: list.addressCells),
                  let size = property.number(at: cell + list.addressCells, cells: list.sizeCells)
            else { return nil }
            cell += stride
            return (address, size)
        }
    }

    public func makeIterator() -> Iterator { Iterator(list: self) }

    /// The first entry, the usual case for a device's register window.
    public var first: (address: UInt64, size: UInt64)? {
        var iterator = makeIterator()
        return iterator.next()
    }
}

/// A node's direct children.
public struct Children: Sequence {
    let tree: DeviceTree
    let parent: Node

    public struct Iterator: IteratorProtocol {
        let tree: DeviceTree
        var offset: Int

        public mutating func next() -> Node? {
            while offset + 4 <= tree.structSize {
                switch tree.token(at: offset) {
                case DeviceTree.tokenBeginNode:
                    let node = Node(offset: offset)
                    offset = tree.offsetAfterNode(at: offset)
                    return node
                case DeviceTree.tokenProperty:
                    offset = DeviceTree.align4(offset + 12 + Int(tree.word(at: offset + 4)))
                case DeviceTree.tokenNop:
                    offset += 4
                default:
                    return nil  // END_NODE of the parent, or END
                }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator {
        let nameStart = tree.structOffset + parent.offset + 4
        let first = DeviceTree.align4(parent.offset + 4 + tree.stringLength(at: nameStart) + 1)
        return Iterator(tree: tree, offset: first)
    }
}

/// A node's properties (they come before its children in the blob).
public struct Properties: Sequence {
    let tree: DeviceTree
    let node: Node

    public struct Iterator: IteratorProtocol {
        let tree: DeviceTree
        var offset: Int

        public mutating func next() -> Property? {
            while offset + 4 <= tree.structSize {
                switch tree.token(at: offset) {
                case DeviceTree.tokenProperty:
                    let length = Int(tree.word(at: offset + 4))
                    let name = tree.string(atStringsOffset: Int(tree.word(at: offset + 8)))
                    let start = tree.structOffset + offset + 12
                    let value = UnsafeRawBufferPointer(rebasing: tree.bytes[start..<(start + length)])
                    offset = DeviceTree.align4(offset + 12 + length)
                    return Property(name: name, value: value)
                case DeviceTree.tokenNop:
                    offset += 4
                default:
                    return nil
                }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator {
        let nameStart = tree.structOffset + node.offset + 4
        let first = DeviceTree.align4(node.offset + 4 + tree.stringLength(at: nameStart) + 1)
        return Iterator(tree: tree, offset: first)
    }
}
