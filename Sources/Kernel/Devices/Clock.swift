import DeviceTree
import Platform

/// Wall-clock time from the PL031 real-time clock (seconds since 1970, UTC):
/// the status bar's clock, `date`, and the timestamps of files written. QEMU
/// starts the RTC at the host's time (`-rtc base=utc` by default). Without an
/// RTC, time since boot stands in, counted from 1 January 1980 for files.
final class Clock {
    let rtc: KernelRegisters?
    /// PL031 registers: data (RTCDR) reads the current count; the peripheral ID
    /// bytes at 0xFE0… identify the part.
    static let dataRegister = 0x000
    static let peripheralID0 = 0xFE0

    /// The PL031 the device tree names, if it is one.
    init(machine: MachineDescription) {
        guard let node = machine.rtc,
              let registers = KernelPlatform.mapDevice(base: node.registers.base, size: Int(node.registers.size)),
              // 0x31 is the PL031's part number: anything else is not the clock we know.
              registers.read32(Clock.peripheralID0) & 0xFF == 0x31
        else {
            rtc = nil
            return
        }
        rtc = registers
    }

    /// Seconds since 1970-01-01 00:00 UTC (nil without an RTC).
    func unixSeconds() -> UInt64? {
        guard let rtc else { return nil }
        return UInt64(rtc.read32(Clock.dataRegister))
    }

    /// "14:03:07 UTC", or time since boot marked "up" without an RTC.
    func wallClockText() -> String {
        let seconds = unixSeconds() ?? GenericTimer.now().nanoseconds / 1_000_000_000
        let day = seconds % 86_400
        return Clock.two(day / 3600) + ":" + Clock.two(day / 60 % 60) + ":" + Clock.two(day % 60) + (rtc == nil ? " up" : " UTC")
    }

    /// "2026-11-25 14:03:07 UTC" (`date`).
    func dateText() -> String {
        guard let seconds = unixSeconds() else { return "no real-time clock; up " + wallClockText() }
        let date = Clock.civil(seconds)
        let two = Clock.two
        return "\(date.year)-" + two(UInt64(date.month)) + "-" + two(UInt64(date.day)) + " "
            + two(seconds % 86_400 / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60) + " UTC"
    }

    /// The calendar date of `seconds` since 1970 (proleptic Gregorian, the
    /// days-from-civil inverse of Howard Hinnant's date algorithms).
    static func civil(_ seconds: UInt64) -> (year: Int, month: Int, day: Int) {
        let days = Int(seconds / 86_400) + 719_468
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func two(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
