import XCTest
@testable import DeviceTree

/// The parser and MachineDescription against DTBs QEMU itself produced.
final class RealDeviceTreeTests: XCTestCase {
    static let mebibyte: UInt64 = 1 << 20
    static let ramBase: UInt64 = 0x4000_0000

    // MARK: - MachineDescription, per memory size

    func test256MiB() throws { try checkMachine(memoryMiB: 256) }
    func test1GiB() throws { try checkMachine(memoryMiB: 1024) }
    /// Above 4 GiB boundary sizes need both `size` cells: 4 GiB is <0x1 0x0>.
    func test4GiB() throws { try checkMachine(memoryMiB: 4096) }

    private func checkMachine(memoryMiB: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let blob = try QEMUDeviceTree.dump(memoryMiB: memoryMiB)
        let size = UInt64(memoryMiB) * RealDeviceTreeTests.mebibyte
        let ram = PhysicalRange(base: RealDeviceTreeTests.ramBase, size: size)

        withTree(blob, file: file, line: line) { tree in
            XCTAssertEqual(tree.version, 17, file: file, line: line)
            XCTAssertEqual(tree.bytes.count, Int(blob[header: .totalSize]), file: file, line: line)
            XCTAssertEqual(DeviceTree.totalSize(ofHeader: tree.bytes), tree.bytes.count, file: file, line: line)

            let machine = MachineDescription(tree: tree)
            XCTAssertEqual(machine.memory, [ram], file: file, line: line)
            XCTAssertEqual(MachineDescription.firstMemoryRange(in: tree), ram, file: file, line: line)
            XCTAssertEqual(machine.totalMemory, size, file: file, line: line)
            XCTAssertEqual(machine.memory.first?.end, RealDeviceTreeTests.ramBase + size, file: file, line: line)

            XCTAssertEqual(machine.bootArguments, QEMUDeviceTree.commandLine, file: file, line: line)

            XCTAssertEqual(machine.gicDistributor, PhysicalRange(base: 0x0800_0000, size: 0x1_0000), file: file, line: line)
            XCTAssertEqual(machine.gicCPUInterface, PhysicalRange(base: 0x0801_0000, size: 0x1_0000), file: file, line: line)
            XCTAssertEqual(machine.uart, DeviceNode(registers: PhysicalRange(base: 0x0900_0000, size: 0x1000), interrupt: 33),
                           file: file, line: line)
            XCTAssertEqual(machine.virtualTimerInterrupt, 27, file: file, line: line)
            XCTAssertEqual(machine.fwCfg, PhysicalRange(base: 0x0902_0000, size: 0x18), file: file, line: line)
            XCTAssertEqual(machine.rtc, DeviceNode(registers: PhysicalRange(base: 0x0901_0000, size: 0x1000), interrupt: 34),
                           file: file, line: line)
            XCTAssertFalse(machine.psciUsesSMC, file: file, line: line)
            XCTAssertEqual(machine.cpuCount, 1, file: file, line: line)

            XCTAssertEqual(machine.virtioMMIO.count, 32, file: file, line: line)
            let expected = (0..<32).map { slot in
                DeviceNode(registers: PhysicalRange(base: 0x0a00_0000 + UInt64(slot) * 0x200, size: 0x200),
                           interrupt: 48 + slot)
            }
            XCTAssertEqual(machine.virtioMMIO, expected, file: file, line: line)
        }
    }

    func testMemorySizesDifferOnlyInMemory() throws {
        let small = try QEMUDeviceTree.dump(memoryMiB: 256)
        let large = try QEMUDeviceTree.dump(memoryMiB: 1024)
        var smallMachine: MachineDescription?
        var largeMachine: MachineDescription?
        withTree(small) { smallMachine = MachineDescription(tree: $0) }
        withTree(large) { largeMachine = MachineDescription(tree: $0) }
        guard var a = smallMachine, let b = largeMachine else { return }
        XCTAssertNotEqual(a.memory, b.memory)
        XCTAssertEqual(4 * a.totalMemory, b.totalMemory)
        a.memory = b.memory
        XCTAssertEqual(a.virtioMMIO, b.virtioMMIO)
        XCTAssertEqual(a.uart, b.uart)
        XCTAssertEqual(a.rtc, b.rtc)
        XCTAssertEqual(a.fwCfg, b.fwCfg)
        XCTAssertEqual(a.gicDistributor, b.gicDistributor)
        XCTAssertEqual(a.bootArguments, b.bootArguments)
    }

    // MARK: - The raw tree, read through the public accessors

    func testRawTreeFacts() throws {
        let blob = try QEMUDeviceTree.dump(memoryMiB: 256)
        withTree(blob) { tree in
            let root = tree.root
            XCTAssertEqual(tree.name(of: root).count, 0, "the root's name is empty")
            XCTAssertTrue(tree.isCompatible(root, with: "linux,dummy-virt"))
            XCTAssertFalse(tree.isCompatible(root, with: "linux,dummy"))
            XCTAssertEqual(tree.cellCounts(of: root).address, 2)
            XCTAssertEqual(tree.cellCounts(of: root).size, 2)

            // /chosen/bootargs, NUL-terminated in the blob, without the NUL through firstString.
            guard let chosen = tree.node(atPath: "chosen"),
                  let bootargs = tree.property("bootargs", of: chosen) else {
                return XCTFail("no /chosen/bootargs")
            }
            XCTAssertEqual(string(bootargs.firstString), "lumen.test=x foo")
            XCTAssertEqual(Array(bootargs.value), Array("lumen.test=x foo".utf8) + [0])
            XCTAssertEqual(Array(bootargs.strings).map(string), ["lumen.test=x foo"])
            if let stdout = tree.property("stdout-path", of: chosen) {
                XCTAssertEqual(string(stdout.firstString), "/pl011@9000000")
            } else {
                XCTFail("no stdout-path")
            }

            // memory@40000000 is found by its base name.
            guard let memory = tree.child("memory", of: root) else { return XCTFail("no memory node") }
            XCTAssertEqual(string(tree.name(of: memory)), "memory@40000000")
            XCTAssertEqual(tree.node(atPath: "memory"), memory)
            XCTAssertNil(tree.child("memor", of: root))
            XCTAssertNil(tree.child("memory@4", of: root))
            XCTAssertNotNil(tree.child("memory@40000000", of: root))
            XCTAssertEqual(tree.property("device_type", of: memory).map { string($0.firstString) }, "memory")
            let banks = Array(tree.registers(of: memory, parent: root))
            XCTAssertEqual(banks.count, 1)
            XCTAssertEqual(banks.first?.address, 0x4000_0000)
            XCTAssertEqual(banks.first?.size, 256 << 20)

            // PSCI: hvc.
            guard let psci = tree.node(atPath: "psci"), let method = tree.property("method", of: psci) else {
                return XCTFail("no /psci/method")
            }
            XCTAssertTrue(DeviceTree.equal(method.firstString, "hvc"))
            XCTAssertTrue(tree.isCompatible(psci, with: "arm,psci-0.2"))
            XCTAssertEqual(Array(tree.property("compatible", of: psci)!.strings).map(string),
                           ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])

            // The CPU.
            guard let cpus = tree.node(atPath: "cpus"), let cpu = tree.node(atPath: "cpus", "cpu") else {
                return XCTFail("no /cpus/cpu@0")
            }
            XCTAssertEqual(string(tree.name(of: cpu)), "cpu@0")
            XCTAssertTrue(tree.isCompatible(cpu, with: "arm,cortex-a72"))
            XCTAssertEqual(tree.cellCounts(of: cpus).address, 1)
            XCTAssertEqual(tree.cellCounts(of: cpus).size, 0)
            // reg = <0> with #address-cells 1, #size-cells 0.
            let cpuRegisters = Array(tree.registers(of: cpu, parent: cpus))
            XCTAssertEqual(cpuRegisters.count, 1)
            XCTAssertEqual(cpuRegisters.first?.address, 0)
            XCTAssertEqual(cpuRegisters.first?.size, 0)

            // The GIC has its v2m frame as a child; the timer's third interrupt is PPI 11.
            guard let gic = tree.child("intc", of: root) else { return XCTFail("no GIC") }
            XCTAssertNotNil(tree.child("v2m", of: gic))
            XCTAssertNotNil(tree.property("interrupt-controller", of: gic))
            XCTAssertEqual(tree.property("interrupt-controller", of: gic)?.value.count, 0)
            guard let timer = tree.child("timer", of: root),
                  let interrupts = tree.property("interrupts", of: timer) else { return XCTFail("no timer") }
            XCTAssertEqual(interrupts.value.count, 12 * 4)
            XCTAssertEqual(interrupts.u32(at: 6), 1, "PPI")
            XCTAssertEqual(interrupts.u32(at: 7), 11, "virtual timer PPI number")
            XCTAssertEqual(MachineDescription.interrupt(tree, timer, 2), 27)
            XCTAssertEqual(MachineDescription.interrupt(tree, timer, 1), 30, "non-secure physical timer")
            XCTAssertNil(MachineDescription.interrupt(tree, timer, 4), "only four timer interrupts")

            // Every virtio-mmio node sits directly under the root, named virtio_mmio@<hex>.
            var virtio = 0
            for child in tree.children(of: root) where tree.isCompatible(child, with: "virtio,mmio") {
                virtio += 1
                XCTAssertTrue(string(tree.name(of: child)).hasPrefix("virtio_mmio@"))
                XCTAssertNotNil(tree.property("dma-coherent", of: child))
            }
            XCTAssertEqual(virtio, 32)
        }
    }

    /// The parser's view of the whole tree equals an independent reader's.
    func testMatchesReferenceReader() throws {
        for memory in [256, 1024] {
            let blob = try QEMUDeviceTree.dump(memoryMiB: memory)
            let reference = ReferenceTree(blob)
            withTree(blob) { tree in
                assertTree(tree, tree.root, matches: reference.root)
                let summary = exercise(tree)
                XCTAssertEqual(summary.nodes, reference.root.nodeCount)
                XCTAssertEqual(summary.properties, reference.root.propertyCount)
                XCTAssertEqual(summary.escapes, 0)
                XCTAssertEqual(summary.inconsistencies, 0)
            }
        }
    }

    /// Without -kernel/-append QEMU writes no bootargs: the description says "".
    func testNoCommandLine() throws {
        let blob = try QEMUDeviceTree.dump(memoryMiB: 256, append: nil)
        withTree(blob) { tree in
            XCTAssertNotNil(tree.node(atPath: "chosen"))
            XCTAssertNil(tree.node(atPath: "chosen").flatMap { tree.property("bootargs", of: $0) })
            let machine = MachineDescription(tree: tree)
            XCTAssertEqual(machine.bootArguments, "")
            XCTAssertEqual(machine.memory, [PhysicalRange(base: 0x4000_0000, size: 256 << 20)])
            XCTAssertEqual(machine.virtioMMIO.count, 32)
        }
    }

    /// The kernel hands `init` everything from the blob to the end of RAM: the view
    /// is cut to `totalsize`, and the extra bytes are never looked at.
    func testLargerBufferIsCutToTotalSize() throws {
        var blob = try QEMUDeviceTree.dump(memoryMiB: 256)
        let total = blob.count
        blob += [UInt8](repeating: 0xa5, count: 4096)
        withTree(blob) { tree in
            XCTAssertEqual(tree.bytes.count, total)
            XCTAssertEqual(MachineDescription(tree: tree).virtioMMIO.count, 32)
        }
        // The compact copy (totalsize rewritten to the end of the strings) parses the same.
        let compact = compacted(try QEMUDeviceTree.dump(memoryMiB: 256))
        XCTAssertLessThan(compact.count, total)
        withTree(compact) { tree in
            XCTAssertEqual(tree.bytes.count, compact.count)
            let machine = MachineDescription(tree: tree)
            XCTAssertEqual(machine.memory, [PhysicalRange(base: 0x4000_0000, size: 256 << 20)])
            XCTAssertEqual(machine.bootArguments, QEMUDeviceTree.commandLine)
        }
    }

    func testTotalSizeOfHeader() throws {
        let blob = try QEMUDeviceTree.dump(memoryMiB: 256)
        blob.withUnsafeBytes { raw in
            XCTAssertEqual(DeviceTree.totalSize(ofHeader: UnsafeRawBufferPointer(rebasing: raw[0..<8])), blob.count)
            XCTAssertNil(DeviceTree.totalSize(ofHeader: UnsafeRawBufferPointer(rebasing: raw[0..<7])))
            XCTAssertNil(DeviceTree.totalSize(ofHeader: UnsafeRawBufferPointer(rebasing: raw[4..<40])))
            XCTAssertNil(DeviceTree.totalSize(ofHeader: UnsafeRawBufferPointer(start: nil, count: 0)))
        }
    }
}
