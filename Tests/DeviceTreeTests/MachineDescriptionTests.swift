import XCTest
@testable import DeviceTree

/// MachineDescription on synthetic trees: what it reads, what it ignores, its defaults.
final class MachineDescriptionTests: XCTestCase {

    private func describe(_ body: (inout FDTWriter) -> Void, file: StaticString = #filePath, line: UInt = #line,
                          check: (DeviceTree, MachineDescription) -> Void) {
        let writer = FDTWriter.tree { root in
            root.property("#address-cells", cells: [2])
            root.property("#size-cells", cells: [2])
            body(&root)
        }
        withTree(writer.blob(), file: file, line: line) { tree in check(tree, MachineDescription(tree: tree)) }
    }

    private static func device(_ writer: inout FDTWriter, _ name: String, compatible: [String],
                               reg: [UInt32]? = nil, interrupts: [UInt32]? = nil) {
        writer.node(name) { node in
            node.property("compatible", strings: compatible)
            if let reg { node.property("reg", cells: reg) }
            if let interrupts { node.property("interrupts", cells: interrupts) }
        }
    }

    func testEmptyTree() {
        describe({ _ in }) { tree, machine in
            XCTAssertEqual(machine.memory, [])
            XCTAssertEqual(machine.totalMemory, 0)
            XCTAssertNil(MachineDescription.firstMemoryRange(in: tree))
            XCTAssertEqual(machine.bootArguments, "")
            XCTAssertEqual(machine.virtioMMIO, [])
            XCTAssertNil(machine.uart)
            XCTAssertNil(machine.gicDistributor)
            XCTAssertNil(machine.gicCPUInterface)
            XCTAssertEqual(machine.virtualTimerInterrupt, 27, "the QEMU virt default")
            XCTAssertFalse(machine.psciUsesSMC)
            XCTAssertNil(machine.fwCfg)
            XCTAssertNil(machine.rtc)
        }
    }

    func testSeveralMemoryBanks() {
        describe({ root in
            root.node("memory@40000000") { memory in
                memory.property("device_type", string: "memory")
                // Two entries and an empty one, which is skipped.
                memory.property("reg", cells: [0, 0x4000_0000, 0, 0x2000_0000,
                                               0, 0x8000_0000, 0, 0,
                                               0x1, 0x0, 0x1, 0x0])
            }
            root.node("ram@200000000") { ram in  // found by device_type, not by name
                ram.property("reg", cells: [0x2, 0x0, 0x0, 0x1000_0000])
                ram.property("device_type", string: "memory")
            }
            root.node("memory@300000000") { fake in  // no device_type: not RAM
                fake.property("reg", cells: [0x3, 0x0, 0x0, 0x1000_0000])
            }
        }) { tree, machine in
            XCTAssertEqual(machine.memory, [
                PhysicalRange(base: 0x4000_0000, size: 0x2000_0000),
                PhysicalRange(base: 0x1_0000_0000, size: 0x1_0000_0000),
                PhysicalRange(base: 0x2_0000_0000, size: 0x1000_0000),
            ])
            XCTAssertEqual(machine.totalMemory, 0x2000_0000 + 0x1_0000_0000 + 0x1000_0000)
            XCTAssertEqual(MachineDescription.firstMemoryRange(in: tree), PhysicalRange(base: 0x4000_0000, size: 0x2000_0000))
        }
    }

    func testFirstMemoryRangeSkipsEmptyBanks() {
        describe({ root in
            root.node("memory@0") { memory in
                memory.property("device_type", string: "memory")
                memory.property("reg", cells: [0, 0, 0, 0])
            }
            root.node("memory@80000000") { memory in
                memory.property("device_type", string: "memory")
                memory.property("reg", cells: [0, 0x8000_0000, 0, 0x100_0000])
            }
        }) { tree, machine in
            XCTAssertEqual(MachineDescription.firstMemoryRange(in: tree), PhysicalRange(base: 0x8000_0000, size: 0x100_0000))
            XCTAssertEqual(machine.memory, [PhysicalRange(base: 0x8000_0000, size: 0x100_0000)])
        }
    }

    func testMemoryWithOneCellAddresses() {
        let writer = FDTWriter.tree { root in
            root.property("#address-cells", cells: [1])
            root.property("#size-cells", cells: [1])
            root.node("memory@40000000") { memory in
                memory.property("device_type", string: "memory")
                memory.property("reg", cells: [0x4000_0000, 0x800_0000, 0x5000_0000, 0x800_0000])
            }
        }
        withTree(writer.blob()) { tree in
            let machine = MachineDescription(tree: tree)
            XCTAssertEqual(machine.memory, [PhysicalRange(base: 0x4000_0000, size: 0x800_0000),
                                            PhysicalRange(base: 0x5000_0000, size: 0x800_0000)])
            XCTAssertEqual(machine.totalMemory, 0x1000_0000)
            XCTAssertEqual(machine.memory.last?.end, 0x5800_0000)
        }
    }

    func testBootArguments() {
        describe({ $0.node("chosen") { $0.property("bootargs", string: "a=b  c") } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "a=b  c")
        }
        describe({ $0.node("chosen") { $0.property("bootargs", Array("no-nul".utf8)) } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "no-nul")
        }
        describe({ $0.node("chosen") { $0.property("bootargs", [0x66, 0xff, 0xfe, 0x6f, 0]) } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "f\u{fffd}\u{fffd}o", "invalid UTF-8 is replaced, not trapped on")
        }
        describe({ $0.node("chosen") { $0.property("bootargs", []) } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "")
        }
        describe({ $0.node("chosen@0") { $0.property("bootargs", string: "unit") } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "unit")
        }
        describe({ $0.node("chosen") { $0.node("inner") { $0.property("bootargs", string: "deep") } } }) { _, machine in
            XCTAssertEqual(machine.bootArguments, "", "only /chosen/bootargs")
        }
    }

    func testPSCIMethod() {
        describe({ $0.node("psci") { $0.property("method", string: "smc") } }) { _, machine in
            XCTAssertTrue(machine.psciUsesSMC)
        }
        describe({ $0.node("psci") { $0.property("method", string: "hvc") } }) { _, machine in
            XCTAssertFalse(machine.psciUsesSMC)
        }
        describe({ $0.node("psci") { $0.property("method", string: "smcx") } }) { _, machine in
            XCTAssertFalse(machine.psciUsesSMC)
        }
        describe({ $0.node("psci") { _ in } }) { _, machine in
            XCTAssertFalse(machine.psciUsesSMC)
        }
    }

    func testGIC() {
        describe({ root in
            MachineDescriptionTests.device(&root, "interrupt-controller@8000000", compatible: ["arm,gic-400"],
                                           reg: [0, 0x0800_0000, 0, 0x1000, 0, 0x0801_0000, 0, 0x2000])
        }) { _, machine in
            XCTAssertEqual(machine.gicDistributor, PhysicalRange(base: 0x0800_0000, size: 0x1000))
            XCTAssertEqual(machine.gicCPUInterface, PhysicalRange(base: 0x0801_0000, size: 0x2000))
        }
        describe({ root in
            MachineDescriptionTests.device(&root, "intc", compatible: ["arm,cortex-a15-gic"], reg: [0, 0x0800_0000, 0, 0x1000])
        }) { _, machine in
            XCTAssertEqual(machine.gicDistributor, PhysicalRange(base: 0x0800_0000, size: 0x1000))
            XCTAssertNil(machine.gicCPUInterface, "only one window given")
        }
        describe({ root in
            MachineDescriptionTests.device(&root, "intc", compatible: ["arm,gic-v3"], reg: [0, 0x0800_0000, 0, 0x1_0000])
        }) { _, machine in
            XCTAssertNil(machine.gicDistributor, "GICv3 is not a GICv2")
        }
    }

    func testInterruptTranslation() {
        func interrupt(_ cells: [UInt32], index: Int = 0) -> Int? {
            var result: Int?
            let writer = FDTWriter.tree { root in
                root.node("dev") { $0.property("interrupts", cells: cells) }
            }
            withTree(writer.blob()) { tree in
                result = MachineDescription.interrupt(tree, tree.child("dev", of: tree.root)!, index)
            }
            return result
        }
        XCTAssertEqual(interrupt([0, 1, 4]), 33, "SPI 1")
        XCTAssertEqual(interrupt([0, 0, 4]), 32)
        XCTAssertEqual(interrupt([0, 987, 4]), 1019, "the last SPI")
        XCTAssertNil(interrupt([0, 988, 4]), "IDs 1020+ are special")
        XCTAssertNil(interrupt([0, 0xffff_ffff, 4]))
        XCTAssertEqual(interrupt([1, 11, 0x104]), 27, "PPI 11")
        XCTAssertEqual(interrupt([1, 0, 0]), 16)
        XCTAssertEqual(interrupt([1, 15, 0]), 31)
        XCTAssertNil(interrupt([1, 16, 0]), "no PPI 16")
        XCTAssertNil(interrupt([2, 1, 4]), "unknown type")
        XCTAssertNil(interrupt([0xffff_ffff, 1, 4]))
        XCTAssertEqual(interrupt([0, 1], index: 0), 33, "flags cell missing: the number is still there")
        XCTAssertNil(interrupt([0]))
        XCTAssertNil(interrupt([]))
        XCTAssertEqual(interrupt([0, 1, 4, 0, 2, 4], index: 1), 34)
        XCTAssertNil(interrupt([0, 1, 4, 0, 2, 4], index: 2))
    }

    func testTimer() {
        describe({ root in
            MachineDescriptionTests.device(&root, "timer", compatible: ["arm,armv8-timer"],
                                           interrupts: [1, 13, 4, 1, 14, 4, 1, 12, 4, 1, 10, 4])
        }) { _, machine in
            XCTAssertEqual(machine.virtualTimerInterrupt, 28, "taken from the tree, not the default")
        }
        describe({ root in
            MachineDescriptionTests.device(&root, "timer", compatible: ["arm,armv8-timer"], interrupts: [1, 13, 4, 1, 14, 4])
        }) { _, machine in
            XCTAssertEqual(machine.virtualTimerInterrupt, 27, "no third interrupt: default kept")
        }
        describe({ root in
            MachineDescriptionTests.device(&root, "timer", compatible: ["arm,armv7-timer"],
                                           interrupts: [1, 13, 4, 1, 14, 4, 1, 12, 4, 1, 10, 4])
        }) { _, machine in
            XCTAssertEqual(machine.virtualTimerInterrupt, 27, "only arm,armv8-timer is read")
        }
    }

    func testUARTAndRTCAndFwCfg() {
        describe({ root in
            MachineDescriptionTests.device(&root, "pl011@1000", compatible: ["arm,pl011"], interrupts: [0, 5, 4])  // no reg
            MachineDescriptionTests.device(&root, "pl011@9000000", compatible: ["arm,pl011", "arm,primecell"],
                                           reg: [0, 0x0900_0000, 0, 0x1000], interrupts: [0, 1, 4])
            MachineDescriptionTests.device(&root, "pl011@9040000", compatible: ["arm,pl011", "arm,primecell"],
                                           reg: [0, 0x0904_0000, 0, 0x1000], interrupts: [0, 8, 4])
            MachineDescriptionTests.device(&root, "pl031@9010000", compatible: ["arm,pl031", "arm,primecell"],
                                           reg: [0, 0x0901_0000, 0, 0x1000])
            MachineDescriptionTests.device(&root, "fw-cfg@9020000", compatible: ["qemu,fw-cfg-mmio"],
                                           reg: [0, 0x0902_0000, 0, 0x18])
        }) { _, machine in
            XCTAssertEqual(machine.uart, DeviceNode(registers: PhysicalRange(base: 0x0900_0000, size: 0x1000), interrupt: 33),
                           "the first UART with registers")
            XCTAssertEqual(machine.rtc, DeviceNode(registers: PhysicalRange(base: 0x0901_0000, size: 0x1000), interrupt: nil))
            XCTAssertEqual(machine.fwCfg, PhysicalRange(base: 0x0902_0000, size: 0x18))
        }
    }

    func testVirtioSortedAndNested() {
        describe({ root in
            for slot in (0..<4).reversed() {
                MachineDescriptionTests.device(&root, "virtio_mmio@\(String(0x0a00_0000 + slot * 0x200, radix: 16))",
                                               compatible: ["virtio,mmio"],
                                               reg: [0, UInt32(0x0a00_0000 + slot * 0x200), 0, 0x200],
                                               interrupts: [0, UInt32(16 + slot), 1])
            }
            // One without interrupts, one without reg (skipped), one on a bus with 1+1 cells.
            MachineDescriptionTests.device(&root, "virtio_mmio@b000000", compatible: ["virtio,mmio"], reg: [0, 0x0b00_0000, 0, 0x200])
            MachineDescriptionTests.device(&root, "virtio_mmio", compatible: ["virtio,mmio"], interrupts: [0, 99, 1])
            root.node("soc") { soc in
                soc.property("#address-cells", cells: [1])
                soc.property("#size-cells", cells: [1])
                MachineDescriptionTests.device(&soc, "virtio@9000", compatible: ["virtio,mmio"], reg: [0x9000, 0x200],
                                               interrupts: [0, 3, 1])
            }
        }) { _, machine in
            XCTAssertEqual(machine.virtioMMIO.map(\.registers.base),
                           [0x9000, 0x0a00_0000, 0x0a00_0200, 0x0a00_0400, 0x0a00_0600, 0x0b00_0000])
            XCTAssertEqual(machine.virtioMMIO.map(\.interrupt), [35, 48, 49, 50, 51, nil])
            XCTAssertTrue(machine.virtioMMIO.allSatisfy { $0.registers.size == 0x200 })
        }
    }

    func testPhysicalRange() {
        let range = PhysicalRange(base: 0x4000_0000, size: 0x1000)
        XCTAssertEqual(range.end, 0x4000_1000)
        XCTAssertEqual(PhysicalRange(base: .max, size: 2).end, 1, "end wraps rather than trapping")
        var machine = MachineDescription(treeless: ())
        machine.memory = [PhysicalRange(base: 0, size: .max), PhysicalRange(base: 0, size: 2)]
        XCTAssertEqual(machine.totalMemory, 1, "the sum wraps rather than trapping")
    }
}

private extension MachineDescription {
    /// An empty description, from the smallest valid tree.
    init(treeless: Void) {
        let writer = FDTWriter.tree { _ in }
        let blob = writer.blob()
        self = blob.withUnsafeBytes { raw in MachineDescription(tree: try! DeviceTree(bytes: raw)) }
    }
}
