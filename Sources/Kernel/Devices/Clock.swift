import DeviceTree
import Platform

/// Wall-clock time from the PL031 real-time clock (seconds since 1970, UTC), for
/// the status bar. Falls back to time since boot when there is no RTC.
enum Clock {
    static var rtc: KernelRegisters? = nil
    static let dataRegister = 0x000

    static func start() {
        if let node = Kernel.machine.rtc {
            rtc = Kernel.platform.mapDevice(base: node.registers.base, size: Int(node.registers.size))
        }
    }

    static func wallClockText() -> String {
        let seconds: UInt64
        if let rtc { seconds = UInt64(rtc.read32(dataRegister)) } else { seconds = GenericTimer.now().nanoseconds / 1_000_000_000 }
        let day = seconds % 86_400
        return two(day / 3600) + ":" + two(day / 60 % 60) + ":" + two(day % 60) + (rtc == nil ? " up" : " UTC")
    }

    static func two(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
