import Foundation

/// The flattened device tree QEMU would hand a guest, via `-M virt,dumpdtb=<file>` (QEMU
/// builds the machine, writes the DTB and exits with status 0 without running anything).
public enum DeviceTreeDump {
    /// Runs `qemu-system-aarch64 -M virt,dumpdtb=<tmp> -cpu cortex-a72 -m <memoryMiB>
    /// -nodefaults -display none <extraArguments>` and returns the DTB bytes
    /// (starting with the magic 0xd00dfeed).
    public static func dump(memoryMiB: Int, extraArguments: [String] = [],
                            timeout: TimeInterval = 30) throws -> Data {
        var options = QEMUOptions(kernel: "")
        options.memoryMiB = memoryMiB
        options.extraArguments = extraArguments
        return try dump(options, timeout: timeout)
    }

    /// The DTB for exactly the machine `QEMUInstance(options)` would create (same machine,
    /// cpu, memory, devices, -append -> /chosen/bootargs, extra arguments). Serial, QMP and
    /// VNC plumbing is omitted; it does not change the tree.
    public static func dump(_ options: QEMUOptions, timeout: TimeInterval = 30) throws -> Data {
        let qemu = try Executables.qemu()
        let dir = try TempDir.make(prefix: "lumen-dtb")
        defer { TempDir.remove(dir) }
        let dtbPath = dir.appendingPathComponent("virt.dtb").path
        let args = options.arguments(runtimeDirectory: nil, machineSuffix: ",dumpdtb=\(dtbPath)")
        let child = try ChildProcess(executable: qemu, arguments: args,
                                     dieWithParent: options.killWithTestRunner)
        defer { child.kill() }
        let scaled = TestSupportConfig.scaled(timeout)
        guard child.waitForExit(deadline: Deadline(after: scaled)) else {
            throw TestSupportError.timeout(
                "QEMU did not finish dumping the DTB within \(QEMUInstance.seconds(scaled)).\ncommand: \(QEMUInstance.shellQuoted([qemu] + args))\nstderr:\n\(child.stderr.tail())")
        }
        guard child.exitStatus == 0, let data = FileManager.default.contents(atPath: dtbPath) else {
            throw TestSupportError.launch(
                "QEMU \(child.terminationDescription) without writing a DTB.\ncommand: \(QEMUInstance.shellQuoted([qemu] + args))\nstderr:\n\(child.stderr.tail())")
        }
        guard data.count >= 40, data.prefix(4) == Data([0xd0, 0x0d, 0xfe, 0xed]) else {
            throw TestSupportError.protocolError("QEMU wrote \(data.count) bytes to \(dtbPath), not a DTB")
        }
        return data
    }
}
