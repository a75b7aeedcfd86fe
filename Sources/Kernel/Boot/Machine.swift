import DeviceTree
import Drivers

/// The machine's objects, built once by `Boot` in dependency order and handed
/// down: each subsystem got what it needs when it was made; this holds them
/// together (references, built memberwise) for the one part that reaches
/// everything, the shell (the user's hands on the whole machine), and for an
/// orderly power-off.
struct Machine {
    static let version = "0.1.0"

    let description: MachineDescription
    let settings: LumenSettings
    /// The exception level QEMU started us at (2 with `virtualization=on`); we run at EL1.
    let entryLevel: UInt64
    let memory: PhysicalMemory
    let platform: KernelPlatform
    let events: EventLoop
    let timer: GenericTimer
    let psci: PSCI
    let output: ConsoleOutput
    let console: KernelConsole
    let clock: Clock
    let devices: VirtioDevices
    let entropy: KernelEntropy
    let disks: Disks
    let files: Files
    let net: Net?
    let httpd: HTTPServer
    let input: InputDevices
    let screen: Screen
    let fonts: KernelFonts?

    /// Resets every device Lumen drives, so none is left writing to memory
    /// (before power-off or reboot).
    func shutdownDevices() {
        devices.shutdownRNGs()
        disks.shutdownAll()
        net?.shutdown()
        input.shutdownAll()
    }
}
