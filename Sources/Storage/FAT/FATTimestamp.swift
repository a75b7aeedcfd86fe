/// A FAT date and time: local time as the clock closure gives it, no time zone,
/// years 1980...2107, two-second resolution on disk for modification times (the
/// creation time keeps odd seconds through its tenths byte).
public struct FATTimestamp: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// 1980-01-01 00:00:00, the earliest FAT time (and what a zero date decodes to).
    public static let epoch = FATTimestamp(year: 1980, month: 1, day: 1)

    /// The civil date and time of `seconds` since 1970-01-01 00:00:00 UTC.
    public static func fromUnixSeconds(_ seconds: Int64) -> FATTimestamp {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Howard Hinnant's days_from_civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return FATTimestamp(year: Int(year), month: Int(month), day: Int(day),
                            hour: Int(rest / 3_600), minute: Int(rest % 3_600 / 60), second: Int(rest % 60))
    }

    // MARK: On-disk encoding

    /// Clamped into what FAT can store, so any clock value encodes.
    var clamped: FATTimestamp {
        if year < 1980 { return .epoch }
        if year > 2107 { return FATTimestamp(year: 2107, month: 12, day: 31, hour: 23, minute: 59, second: 59) }
        return FATTimestamp(year: year, month: min(max(month, 1), 12), day: min(max(day, 1), 31),
                            hour: min(max(hour, 0), 23), minute: min(max(minute, 0), 59), second: min(max(second, 0), 59))
    }

    var encodedDate: UInt16 {
        let t = clamped
        return UInt16((t.year - 1980) << 9 | t.month << 5 | t.day)
    }

    var encodedTime: UInt16 {
        let t = clamped
        return UInt16(t.hour << 11 | t.minute << 5 | t.second / 2)
    }

    /// The creation time's extra 10 ms units (0...199): carries the odd second.
    var encodedTenths: UInt8 { UInt8(clamped.second % 2 * 100) }

    /// Decodes a date/time pair; garbage fields decode to garbage numbers, not traps.
    static func decode(date: UInt16, time: UInt16, tenths: UInt8 = 0) -> FATTimestamp {
        if date == 0 && time == 0 { return .epoch }
        return FATTimestamp(year: 1980 + Int(date >> 9), month: Int(date >> 5 & 0xF), day: Int(date & 0x1F),
                            hour: Int(time >> 11), minute: Int(time >> 5 & 0x3F),
                            second: Int(time & 0x1F) * 2 + (tenths >= 100 && tenths < 200 ? 1 : 0))
    }
}
