import XCTest
@testable import DeviceTree

/// What an exhaustive walk of a parsed tree saw.
struct WalkSummary {
    var nodes = 0
    var properties = 0
    var strings = 0
    var registerEntries = 0
    /// Buffers handed out by the parser that did not lie inside the blob (must stay 0).
    var escapes = 0
    /// forEachNode's parent/child relation disagreeing with children(of:) (must stay 0).
    var inconsistencies = 0
    var machine: MachineDescription?
}

/// Parses `blob`; on success walks every node and property through every accessor
/// and builds a MachineDescription. Nothing here may trap, whatever the bytes.
func parseAndExercise(_ blob: [UInt8]) -> Result<WalkSummary, DeviceTreeError> {
    blob.withUnsafeBytes { raw -> Result<WalkSummary, DeviceTreeError> in
        do throws(DeviceTreeError) {
            let tree = try DeviceTree(bytes: raw)
            return .success(exercise(tree))
        } catch {
            return .failure(error)
        }
    }
}

/// The error `blob` is rejected with, or nil if it parses (and then survives a full walk).
func parseError(_ blob: [UInt8]) -> DeviceTreeError? {
    switch parseAndExercise(blob) {
    case .success: return nil
    case .failure(let error): return error
    }
}

func exercise(_ tree: DeviceTree) -> WalkSummary {
    var summary = WalkSummary()
    let low = UInt(bitPattern: tree.bytes.baseAddress)
    let high = low + UInt(tree.bytes.count)
    func check(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let start = UInt(bitPattern: buffer.baseAddress)
        if start < low || start + UInt(buffer.count) > high { summary.escapes += 1 }
        // Touch every byte: an out-of-bounds view would be caught by ASan or trap.
        var sum: UInt8 = 0
        for byte in buffer { sum &+= byte }
        _ = sum
    }

    var childCounts: [Int: Int] = [:]   // parent offset -> children seen by forEachNode
    tree.forEachNode { node, parent in
        summary.nodes += 1
        if let parent { childCounts[parent.offset, default: 0] += 1 }
        check(tree.name(of: node))
        for property in tree.properties(of: node) {
            summary.properties += 1
            check(property.name)
            check(property.value)
            check(property.firstString)
            for index in -1...(property.value.count / 4 + 1) { _ = property.u32(at: index) }
            for cells in -1...3 {
                _ = property.number(at: 0, cells: cells)
                _ = property.number(at: 1, cells: cells)
            }
            for string in property.strings {
                summary.strings += 1
                check(string)
            }
        }
        for name: StaticString in ["compatible", "reg", "interrupts", "#address-cells", "#size-cells",
                                   "device_type", "bootargs", "method", "status", "x"] {
            if let property = tree.property(name, of: node) {
                check(property.value)
                if !DeviceTree.equal(property.name, name) { summary.inconsistencies += 1 }
            }
        }
        _ = tree.cellCounts(of: node)
        for name: StaticString in ["memory", "chosen", "cpus", "psci", "intc", "a"] {
            if let child = tree.child(name, of: node) { check(tree.name(of: child)) }
        }
        _ = tree.isCompatible(node, with: "virtio,mmio")
        _ = tree.isCompatible(node, with: "arm,pl011")
        if let parent {
            for entry in tree.registers(of: node, parent: parent) {
                summary.registerEntries += 1
                _ = entry
            }
            _ = tree.registers(of: node, parent: parent).first
        }
    }
    // children(of:) must agree with the parent forEachNode reported.
    tree.forEachNode { node, _ in
        var count = 0
        for child in tree.children(of: node) {
            count += 1
            check(tree.name(of: child))
        }
        if count != childCounts[node.offset, default: 0] { summary.inconsistencies += 1 }
    }
    _ = tree.node(atPath: "chosen")
    _ = tree.node(atPath: "cpus", "cpu")
    _ = tree.node(atPath: "intc", "v2m")
    _ = tree.node(atPath: "a", "a", "a")
    _ = DeviceTree.totalSize(ofHeader: tree.bytes)
    _ = MachineDescription.firstMemoryRange(in: tree)
    let machine = MachineDescription(tree: tree)
    _ = machine.totalMemory
    _ = machine.bootArguments.utf8.count
    summary.machine = machine
    return summary
}

/// Asserts that the parser sees exactly the tree the reference reader sees: names,
/// properties (names and values, in order) and children, recursively.
func assertTree(_ tree: DeviceTree, _ node: Node, matches reference: ReferenceNode, path: String = "/",
                file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Array(tree.name(of: node)), reference.name, "name of \(path)", file: file, line: line)
    let properties = Array(tree.properties(of: node))
    XCTAssertEqual(properties.count, reference.properties.count, "property count of \(path)", file: file, line: line)
    for (property, expected) in zip(properties, reference.properties) {
        XCTAssertEqual(Array(property.name), expected.name, "property name in \(path)", file: file, line: line)
        XCTAssertEqual(Array(property.value), expected.value,
                       "value of \(String(decoding: expected.name, as: UTF8.self)) in \(path)", file: file, line: line)
    }
    let children = Array(tree.children(of: node))
    XCTAssertEqual(children.count, reference.children.count, "child count of \(path)", file: file, line: line)
    for (child, expected) in zip(children, reference.children) {
        let childPath = path + (path == "/" ? "" : "/") + String(decoding: expected.name, as: UTF8.self)
        assertTree(tree, child, matches: expected, path: childPath, file: file, line: line)
    }
}

/// Runs `body` with a parsed tree, failing the test if `blob` does not parse.
func withTree(_ blob: [UInt8], file: StaticString = #filePath, line: UInt = #line,
              _ body: (DeviceTree) -> Void) {
    blob.withUnsafeBytes { raw in
        let tree: DeviceTree
        do throws(DeviceTreeError) {
            tree = try DeviceTree(bytes: raw)
        } catch {
            XCTFail("blob did not parse: \(error.message)", file: file, line: line)
            return
        }
        body(tree)
    }
}

func string(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
