import XCTest
@testable import DeviceTree

/// The tree and property accessors on well-formed synthetic blobs.
final class AccessorTests: XCTestCase {

    /// A small tree with NOPs sprinkled everywhere a writer may put them.
    static func sampleWriter() -> FDTWriter {
        var writer = FDTWriter()
        writer.nop()
        writer.node("") { root in
            root.property("#address-cells", cells: [2])
            root.nop()
            root.property("#size-cells", cells: [2])
            root.property("compatible", strings: ["lumen,test", "linux,dummy-virt"])
            root.nop()
            root.node("chosen") { chosen in
                chosen.property("bootargs", string: "console=ttyAMA0 lumen.test=1")
            }
            root.nop()
            root.node("memory@40000000") { memory in
                memory.property("device_type", string: "memory")
                memory.property("reg", cells: [0, 0x4000_0000, 0, 0x1000_0000])
            }
            root.node("soc") { soc in
                soc.property("#address-cells", cells: [1])
                soc.property("#size-cells", cells: [1])
                soc.nop()
                soc.node("serial@1000") { serial in
                    serial.property("compatible", strings: ["arm,pl011", "arm,primecell"])
                    serial.property("reg", cells: [0x1000, 0x100, 0x2000, 0x200, 0x3000])
                    serial.flag("dma-coherent")
                }
                soc.nop()
                soc.node("empty") { _ in }
            }
            root.node("memoryx") { $0.property("x", cells: []) }
            root.node("@odd") { _ in }
        }
        writer.nop()
        writer.end()
        return writer
    }

    func testMatchesReferenceReader() {
        let blob = AccessorTests.sampleWriter().blob()
        withTree(blob) { tree in
            let reference = ReferenceTree(blob)
            assertTree(tree, tree.root, matches: reference.root)
            let summary = exercise(tree)
            XCTAssertEqual(summary.nodes, 8)
            XCTAssertEqual(summary.properties, reference.root.propertyCount)
            XCTAssertEqual(summary.escapes, 0)
            XCTAssertEqual(summary.inconsistencies, 0)
        }
    }

    func testRootSkipsLeadingNops() {
        withTree(AccessorTests.sampleWriter().blob()) { tree in
            XCTAssertEqual(tree.root.offset, 4)
            XCTAssertEqual(tree.name(of: tree.root).count, 0)
            XCTAssertEqual(tree.node(), tree.root)
        }
    }

    func testWalkOrderAndParents() {
        withTree(AccessorTests.sampleWriter().blob()) { tree in
            var visits: [(String, String?)] = []
            tree.forEachNode { node, parent in
                visits.append((string(tree.name(of: node)), parent.map { string(tree.name(of: $0)) }))
            }
            XCTAssertEqual(visits.map(\.0), ["", "chosen", "memory@40000000", "soc", "serial@1000", "empty", "memoryx", "@odd"])
            XCTAssertEqual(visits.map { $0.1 ?? "<none>" }, ["<none>", "", "", "", "soc", "soc", "", ""])
            XCTAssertEqual(tree.children(of: tree.root).map { string(tree.name(of: $0)) },
                           ["chosen", "memory@40000000", "soc", "memoryx", "@odd"])
        }
    }

    func testChildNameMatching() {
        withTree(AccessorTests.sampleWriter().blob()) { tree in
            let root = tree.root
            XCTAssertEqual(tree.child("memory", of: root).map { string(tree.name(of: $0)) }, "memory@40000000")
            XCTAssertEqual(tree.child("memoryx", of: root).map { string(tree.name(of: $0)) }, "memoryx")
            XCTAssertEqual(tree.child("memory@40000000", of: root).map { string(tree.name(of: $0)) }, "memory@40000000")
            XCTAssertNil(tree.child("mem", of: root))
            XCTAssertNil(tree.child("memory@4", of: root))
            XCTAssertNil(tree.child("memory@400000000", of: root))
            XCTAssertNil(tree.child("serial", of: root), "only direct children")
            XCTAssertNotNil(tree.node(atPath: "soc", "serial"))
            XCTAssertNotNil(tree.node(atPath: "soc", "empty"))
            XCTAssertNil(tree.node(atPath: "soc", "serial", "x"))
            XCTAssertNil(tree.node(atPath: "nothing", "serial"))
            // "" matches an empty name or "@unit" only.
            XCTAssertEqual(tree.child("", of: root).map { string(tree.name(of: $0)) }, "@odd")
        }
    }

    func testProperties() {
        withTree(AccessorTests.sampleWriter().blob()) { tree in
            let root = tree.root
            XCTAssertEqual(tree.properties(of: root).map { string($0.name) },
                           ["#address-cells", "#size-cells", "compatible"], "NOPs skipped, children's properties excluded")
            XCTAssertNil(tree.property("bootargs", of: root))
            XCTAssertNil(tree.property("#address", of: root))
            guard let serial = tree.node(atPath: "soc", "serial") else { return XCTFail() }
            XCTAssertEqual(tree.property("dma-coherent", of: serial)?.value.count, 0)
            XCTAssertTrue(tree.isCompatible(serial, with: "arm,pl011"))
            XCTAssertTrue(tree.isCompatible(serial, with: "arm,primecell"))
            XCTAssertFalse(tree.isCompatible(serial, with: "arm,pl01"))
            XCTAssertFalse(tree.isCompatible(serial, with: "arm,pl011\0arm,primecell"))
            XCTAssertFalse(tree.isCompatible(tree.node(atPath: "soc", "empty")!, with: "arm,pl011"))
            XCTAssertEqual(Array(tree.properties(of: tree.node(atPath: "soc", "empty")!)).count, 0)
        }
    }

    func testCellCountsAndRegisters() {
        withTree(AccessorTests.sampleWriter().blob()) { tree in
            let root = tree.root
            guard let soc = tree.child("soc", of: root), let serial = tree.child("serial", of: soc),
                  let memory = tree.child("memory", of: root), let chosen = tree.child("chosen", of: root)
            else { return XCTFail() }
            XCTAssertTrue(tree.cellCounts(of: root) == (2, 2))
            XCTAssertTrue(tree.cellCounts(of: soc) == (1, 1))
            XCTAssertTrue(tree.cellCounts(of: chosen) == (2, 1), "the defaults")

            let memoryRegisters = Array(tree.registers(of: memory, parent: root))
            XCTAssertEqual(memoryRegisters.count, 1)
            XCTAssertEqual(memoryRegisters.first?.address, 0x4000_0000)
            XCTAssertEqual(memoryRegisters.first?.size, 0x1000_0000)

            // Five cells with 1+1: two entries; the odd fifth cell is ignored.
            let serialRegisters = Array(tree.registers(of: serial, parent: soc))
            XCTAssertEqual(serialRegisters.map(\.address), [0x1000, 0x2000])
            XCTAssertEqual(serialRegisters.map(\.size), [0x100, 0x200])
            XCTAssertEqual(tree.registers(of: serial, parent: soc).first?.address, 0x1000)
            // With the wrong parent (2+2 cells) the same five cells make one entry.
            let misread = Array(tree.registers(of: serial, parent: root))
            XCTAssertEqual(misread.count, 1)
            XCTAssertEqual(misread.first?.address, 0x1000 << 32 | 0x100)
            XCTAssertEqual(misread.first?.size, 0x2000 << 32 | 0x200)
            // No reg at all.
            XCTAssertEqual(Array(tree.registers(of: chosen, parent: root)).count, 0)
            XCTAssertNil(tree.registers(of: chosen, parent: root).first)
        }
    }

    func testUnusualCellCounts() {
        func registers(address: UInt32, size: UInt32, reg: [UInt32]) -> [(UInt64, UInt64)] {
            let writer = FDTWriter.tree { root in
                root.property("#address-cells", cells: [address])
                root.property("#size-cells", cells: [size])
                root.node("dev") { $0.property("reg", cells: reg) }
            }
            var result: [(UInt64, UInt64)] = []
            withTree(writer.blob()) { tree in
                let device = tree.child("dev", of: tree.root)!
                result = tree.registers(of: device, parent: tree.root).map { ($0.address, $0.size) }
            }
            return result
        }
        XCTAssertEqual(registers(address: 1, size: 0, reg: [5, 6]).map(\.0), [5, 6])
        XCTAssertEqual(registers(address: 1, size: 0, reg: [5, 6]).map(\.1), [0, 0])
        XCTAssertEqual(registers(address: 0, size: 1, reg: [7]).map(\.1), [7])
        XCTAssertEqual(registers(address: 0, size: 0, reg: [1, 2]).count, 0, "no cells: no entries, no endless loop")
        XCTAssertEqual(registers(address: 3, size: 2, reg: [0, 0, 1, 0, 2]).count, 0, "PCI-style 3 cells unsupported")
        XCTAssertEqual(registers(address: 2, size: 3, reg: [0, 1, 0, 0, 2]).count, 0)
        XCTAssertEqual(registers(address: 0xffff_ffff, size: 0xffff_ffff, reg: [1, 2, 3, 4]).count, 0)
        XCTAssertEqual(registers(address: 1, size: 0xffff_ffff, reg: [1, 2, 3, 4]).count, 0)
        XCTAssertEqual(registers(address: 2, size: 2, reg: [0xffff_ffff, 0xffff_fffe, 0x1, 0x2]).map(\.0), [0xffff_ffff_ffff_fffe])
        XCTAssertEqual(registers(address: 2, size: 2, reg: []).count, 0)
    }

    /// `#address-cells` with an empty or short value falls back to the default.
    func testMalformedCellCountProperties() {
        let writer = FDTWriter.tree { root in
            root.property("#address-cells", [])
            root.property("#size-cells", [0, 1])
        }
        withTree(writer.blob()) { tree in
            XCTAssertTrue(tree.cellCounts(of: tree.root) == (2, 1))
        }
    }

    // MARK: - Property values

    private func withProperty(_ value: [UInt8], _ body: (Property) -> Void) {
        let writer = FDTWriter.tree { $0.property("p", value) }
        withTree(writer.blob()) { tree in
            guard let property = tree.property("p", of: tree.root) else { return XCTFail("no property") }
            XCTAssertEqual(Array(property.value), value)
            body(property)
        }
    }

    func testCells() {
        withProperty([0x00, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0xff, 0xff, 0xff, 0xff, 0xaa]) { property in
            XCTAssertEqual(property.u32(at: 0), 1)
            XCTAssertEqual(property.u32(at: 1), 0x1234_5678)
            XCTAssertEqual(property.u32(at: 2), 0xffff_ffff)
            XCTAssertNil(property.u32(at: 3), "a partial cell is not a cell")
            XCTAssertNil(property.u32(at: -1))
            XCTAssertEqual(property.number(at: 0, cells: 2), 0x1_1234_5678)
            XCTAssertEqual(property.number(at: 1, cells: 2), 0x1234_5678_ffff_ffff)
            XCTAssertNil(property.number(at: 2, cells: 2))
            XCTAssertEqual(property.number(at: 2, cells: 1), 0xffff_ffff)
            XCTAssertEqual(property.number(at: 0, cells: 0), 0)
            XCTAssertNil(property.number(at: 0, cells: 3))
            XCTAssertNil(property.number(at: 0, cells: -1))
            XCTAssertNil(property.number(at: -1, cells: 1))
        }
    }

    /// Out-of-range indices answer nil, however extreme (no arithmetic overflow trap).
    func testExtremeIndices() {
        withProperty([0, 0, 0, 1, 0, 0, 0, 2]) { property in
            for index in [Int.min, Int.min + 1, -4, Int.max / 4, Int.max / 4 + 1, Int.max - 1, Int.max] {
                XCTAssertNil(property.u32(at: index), "u32(at: \(index))")
                for cells in 0...2 where cells > 0 {
                    XCTAssertNil(property.number(at: index, cells: cells), "number(at: \(index), cells: \(cells))")
                }
            }
            for cells in [Int.min, -1, 3, Int.max] {
                XCTAssertNil(property.number(at: 0, cells: cells))
            }
        }
    }

    func testStrings() {
        withProperty(Array("arm,pl011\0arm,primecell\0".utf8)) { property in
            XCTAssertEqual(property.strings.map(string), ["arm,pl011", "arm,primecell"])
            XCTAssertEqual(string(property.firstString), "arm,pl011")
        }
        withProperty(Array("no terminator".utf8)) { property in
            XCTAssertEqual(property.strings.map(string), ["no terminator"])
            XCTAssertEqual(string(property.firstString), "no terminator")
        }
        withProperty(Array("a\0\0b\0".utf8)) { property in
            XCTAssertEqual(property.strings.map(string), ["a", "", "b"])
        }
        withProperty([0]) { property in
            XCTAssertEqual(property.strings.map(string), [""])
            XCTAssertEqual(property.firstString.count, 0)
        }
        withProperty([]) { property in
            XCTAssertEqual(Array(property.strings).count, 0)
            XCTAssertEqual(property.firstString.count, 0)
            XCTAssertNil(property.u32(at: 0))
            XCTAssertEqual(property.number(at: 0, cells: 0), 0)
        }
    }

    func testStaticEquality() {
        let bytes: [UInt8] = Array("hvc".utf8)
        bytes.withUnsafeBytes { raw in
            XCTAssertTrue(DeviceTree.equal(raw, "hvc"))
            XCTAssertFalse(DeviceTree.equal(raw, "hv"))
            XCTAssertFalse(DeviceTree.equal(raw, "hvcc"))
            XCTAssertFalse(DeviceTree.equal(raw, "smc"))
            XCTAssertTrue(DeviceTree.equal(UnsafeRawBufferPointer(rebasing: raw[0..<0]), ""))
            XCTAssertTrue(DeviceTree.equal(UnsafeRawBufferPointer(rebasing: raw[0..<1]), "h"))
        }
        XCTAssertTrue(DeviceTree.equal(UnsafeRawBufferPointer(start: nil, count: 0), ""))
    }

    // MARK: - Header variants

    func testVersion16() {
        let blob = AccessorTests.sampleWriter().blob {
            $0.version = 16
            $0.sizeStruct = 0  // absent in a version 16 header
        }
        withTree(blob) { tree in
            XCTAssertEqual(tree.version, 16)
            assertTree(tree, tree.root, matches: ReferenceTree(AccessorTests.sampleWriter().blob()).root)
        }
    }

    /// Version 16 with the strings block placed before the structure block: the
    /// structure then runs to the end of the blob.
    func testVersion16StringsFirst() {
        let writer = AccessorTests.sampleWriter()
        var blob = [UInt8](repeating: 0, count: 56)
        blob += writer.strings
        while blob.count % 4 != 0 { blob.append(0) }
        let structOffset = blob.count
        blob += writer.structure
        blob[header: .magic] = 0xd00d_feed
        blob[header: .totalSize] = UInt32(blob.count)
        blob[header: .offStruct] = UInt32(structOffset)
        blob[header: .offStrings] = 56
        blob[header: .offMemRsvmap] = 40
        blob[header: .version] = 16
        blob[header: .lastCompatibleVersion] = 16
        blob[header: .sizeStrings] = UInt32(writer.strings.count)
        withTree(blob) { tree in
            XCTAssertEqual(tree.node(atPath: "soc", "serial").map { string(tree.name(of: $0)) }, "serial@1000")
            XCTAssertEqual(exercise(tree).nodes, 8)
        }
    }
}
