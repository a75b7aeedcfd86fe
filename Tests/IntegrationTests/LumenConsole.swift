import Foundation
import TestSupport
import XCTest

/// A booted Lumen at its `lumen>` prompt, driven over the serial port.
final class LumenConsole {
    let qemu: QEMUInstance

    /// Boots the kernel and waits for the prompt.
    init(memoryMiB: Int = 256, append: String? = nil, modern: Bool = false, devices: [String] = [],
         vnc: Bool = false, testCase: XCTestCase) throws {
        var options = QEMUOptions(kernel: try LumenBuild.kernelPath())
        options.memoryMiB = memoryMiB
        options.append = append
        options.modern = modern
        options.devices = devices
        options.vnc = vnc
        let qemu = try QEMUInstance(options)
        testCase.addTeardownBlock { qemu.kill() }
        self.qemu = qemu
        try qemu.waitForSerial("lumen> ", timeout: 20)
    }

    var bootLog: String { qemu.serialOutput }

    /// Types a command and returns what it printed, up to the next prompt.
    func run(_ command: String, timeout: TimeInterval = 10) throws -> String {
        let mark = qemu.serialOutput.endIndex
        qemu.typeOnSerial(command + "\r")
        let output = try qemu.waitForSerial("lumen> ", after: mark, timeout: timeout)
        return String(output[mark...])
    }
}
