import Foundation

/// How to start `qemu-system-aarch64`. The resulting command line is
///
///     qemu-system-aarch64 -M <machine> -cpu <cpu> -m <memoryMiB> -nodefaults -display none
///         -serial stdio -qmp unix:<tmp>/qmp.sock,server=on,wait=off
///         [-global virtio-mmio.force-legacy=false] [-vnc unix:<tmp>/vnc.sock]
///         [-kernel <kernel>] [-append <append>] <devices...> <extraArguments...>
public struct QEMUOptions: Sendable {
    /// Path to the ELF passed with `-kernel`. An empty string means "no -kernel": the
    /// firmware-less virt machine then just sits there, handy for testing the harness itself.
    public var kernel: String
    public var memoryMiB: Int = 256
    /// `-append` (the kernel command line, `/chosen/bootargs` in the device tree).
    /// QEMU refuses -append without -kernel.
    public var append: String? = nil
    /// Adds `-global virtio-mmio.force-legacy=false` (virtio 1.0 "modern" MMIO transports).
    public var modern: Bool = false
    /// Extra raw device arguments, e.g. `["-device", "virtio-rng-device"]`.
    public var devices: [String] = []
    /// Anything else, appended last (e.g. `["-S"]` to start paused, `["-no-reboot"]`).
    public var extraArguments: [String] = []
    /// `-M` value (may carry machine options: `"virt,gic-version=3"`).
    public var machine: String = "virt"
    public var cpu: String = "cortex-a72"
    /// When true, adds `-vnc unix:<tmpdir>/vnc.sock` (no auth); connect with `QEMUInstance.vnc()`.
    public var vnc: Bool = false
    /// Wrap QEMU in `setpriv --pdeathsig KILL` (when available) so it dies if the test runner
    /// crashes. Leave on unless you have a reason.
    public var killWithTestRunner: Bool = true
    /// Runs QEMU inside this network namespace (`ip netns exec NAME`), so a tap
    /// made there is the only host interface its `-netdev tap` can reach: test
    /// traffic stays in a namespace the test made for itself.
    public var networkNamespace: String? = nil
    /// How long `QEMUInstance.init` waits for QEMU to come up.
    public var startupTimeout: TimeInterval = 10
    /// When true (default), `QEMUInstance.init` connects QMP and completes the handshake
    /// before returning: QEMU only greets once the machine, its devices and the kernel are
    /// set up, so start-up failures (bad -device, unloadable kernel, overlapping ROMs) are
    /// thrown as `.launch` with QEMU's stderr instead of surfacing later. When false, init
    /// only waits for the QMP socket to exist and QMP connects lazily on first use.
    public var waitUntilReady: Bool = true

    public init(kernel: String) {
        self.kernel = kernel
    }

    /// Convenience: options for the Lumen kernel from `LumenBuild.kernelPath()`.
    public static func lumen(memoryMiB: Int = 256) throws -> QEMUOptions {
        var o = QEMUOptions(kernel: try LumenBuild.kernelPath())
        o.memoryMiB = memoryMiB
        return o
    }

    /// The arguments after the executable name.
    /// - Parameters:
    ///   - runtimeDirectory: where qmp.sock / vnc.sock live; nil omits serial/QMP/VNC
    ///     (used for DTB dumps).
    ///   - machineSuffix: appended to the `-M` value (e.g. ",dumpdtb=/tmp/x.dtb").
    func arguments(runtimeDirectory: String?, machineSuffix: String = "") -> [String] {
        var args: [String] = [
            "-M", machine + machineSuffix,
            "-cpu", cpu,
            "-m", String(memoryMiB),
            "-nodefaults",
            "-display", "none",
        ]
        if let dir = runtimeDirectory {
            args += ["-serial", "stdio",
                     "-qmp", "unix:\(dir)/qmp.sock,server=on,wait=off"]
        }
        if modern {
            args += ["-global", "virtio-mmio.force-legacy=false"]
        }
        if vnc, let dir = runtimeDirectory {
            args += ["-vnc", "unix:\(dir)/vnc.sock"]
        }
        if !kernel.isEmpty {
            args += ["-kernel", kernel]
        }
        if let append = append {
            args += ["-append", append]
        }
        args += devices
        args += extraArguments
        return args
    }
}
