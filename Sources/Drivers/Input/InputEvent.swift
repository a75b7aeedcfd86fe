/// One virtio-input event (§5.8.6): the Linux evdev triple, little-endian
/// `le16 type, le16 code, le32 value` in an 8-byte buffer.
public struct InputEvent: Equatable {
    public var type: UInt16
    public var code: UInt16
    /// The value as evdev reads it: signed (relative motion can be negative).
    public var value: Int32

    public init(type: UInt16, code: UInt16, value: Int32) {
        self.type = type
        self.code = code
        self.value = value
    }

    public static let size = 8

    /// Decodes the 8 bytes at `pointer` (little-endian, any alignment).
    public init(loadingFrom pointer: UnsafeRawPointer) {
        let bytes = pointer.assumingMemoryBound(to: UInt8.self)
        type = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        code = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
        value = Int32(bitPattern: UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24)
    }

    /// Encodes the event into 8 bytes at `pointer` (little-endian).
    public func store(to pointer: UnsafeMutableRawPointer) {
        let bytes = pointer.assumingMemoryBound(to: UInt8.self)
        let raw = UInt32(bitPattern: value)
        bytes[0] = UInt8(truncatingIfNeeded: type)
        bytes[1] = UInt8(truncatingIfNeeded: type >> 8)
        bytes[2] = UInt8(truncatingIfNeeded: code)
        bytes[3] = UInt8(truncatingIfNeeded: code >> 8)
        bytes[4] = UInt8(truncatingIfNeeded: raw)
        bytes[5] = UInt8(truncatingIfNeeded: raw >> 8)
        bytes[6] = UInt8(truncatingIfNeeded: raw >> 16)
        bytes[7] = UInt8(truncatingIfNeeded: raw >> 24)
    }
}

/// evdev event types (`EV_*`).
public enum InputEventType {
    public static let synchronize: UInt16 = 0x00
    public static let key: UInt16 = 0x01
    public static let relative: UInt16 = 0x02
    public static let absolute: UInt16 = 0x03
    public static let miscellaneous: UInt16 = 0x04
    public static let switchEvent: UInt16 = 0x05
    public static let led: UInt16 = 0x11
    public static let sound: UInt16 = 0x12
    public static let autorepeat: UInt16 = 0x14
    public static let forceFeedback: UInt16 = 0x15
}

/// `EV_SYN` codes.
public enum SynchronizeCode {
    /// End of a frame: the events since the last report belong together.
    public static let report: UInt16 = 0
    public static let config: UInt16 = 1
    public static let multitouchReport: UInt16 = 2
    /// The device's buffer overran: drop everything up to the next report.
    public static let dropped: UInt16 = 3
}

/// `EV_REL` axes.
public enum RelativeAxis {
    public static let x: UInt16 = 0x00
    public static let y: UInt16 = 0x01
    public static let horizontalWheel: UInt16 = 0x06
    public static let wheel: UInt16 = 0x08
}

/// `EV_ABS` axes.
public enum AbsoluteAxis {
    public static let x: UInt16 = 0x00
    public static let y: UInt16 = 0x01
    public static let multitouchSlot: UInt16 = 0x2f
    public static let multitouchPositionX: UInt16 = 0x35
    public static let multitouchPositionY: UInt16 = 0x36
    /// ABS_MAX + 1: the axes a device can have.
    public static let count = 64
}

/// `EV_LED` codes.
public enum LEDCode {
    public static let numLock: UInt16 = 0
    public static let capsLock: UInt16 = 1
    public static let scrollLock: UInt16 = 2
}

/// Mouse and tablet buttons (`BTN_*`, sent as `EV_KEY`).
public enum ButtonCode {
    public static let left: UInt16 = 0x110
    public static let right: UInt16 = 0x111
    public static let middle: UInt16 = 0x112
    public static let side: UInt16 = 0x113
    public static let extra: UInt16 = 0x114
    public static let touch: UInt16 = 0x14a
}

/// Keyboard LEDs as a bitmap: bit n is LED code n (so Num Lock 1, Caps Lock 2,
/// Scroll Lock 4 — the same bits as `Keyboard.Locks`).
public struct InputLEDs: OptionSet, Equatable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let numLock = InputLEDs(rawValue: 1 << 0)
    public static let capsLock = InputLEDs(rawValue: 1 << 1)
    public static let scrollLock = InputLEDs(rawValue: 1 << 2)
}

/// A capability bitmap from the device's config space (at most 128 bytes, so
/// bits 0 ..< 1024): bit n set means code n is supported.
public struct InputBitmap: Equatable {
    public private(set) var bytes: [UInt8]

    public init(bytes: [UInt8] = []) {
        self.bytes = bytes.count > 128 ? Array(bytes.prefix(128)) : bytes
    }

    public func contains(_ bit: Int) -> Bool {
        guard bit >= 0, bit / 8 < bytes.count else { return false }
        return bytes[bit / 8] & (1 << UInt8(bit % 8)) != 0
    }

    public func contains(_ bit: UInt16) -> Bool { contains(Int(bit)) }

    public var isEmpty: Bool { !bytes.contains { $0 != 0 } }

    /// The set bits, ascending.
    public var members: [Int] {
        var result: [Int] = []
        for (index, byte) in bytes.enumerated() where byte != 0 {
            for bit in 0..<8 where byte & (1 << UInt8(bit)) != 0 { result.append(index * 8 + bit) }
        }
        return result
    }
}

/// `virtio_input_absinfo`: an absolute axis's range, for scaling positions.
public struct AbsoluteAxisInfo: Equatable {
    public var axis: UInt16
    public var minimum: Int32
    public var maximum: Int32
    public var fuzz: Int32
    public var flat: Int32
    public var resolution: Int32

    public init(axis: UInt16, minimum: Int32, maximum: Int32, fuzz: Int32 = 0, flat: Int32 = 0, resolution: Int32 = 0) {
        self.axis = axis
        self.minimum = minimum
        self.maximum = maximum
        self.fuzz = fuzz
        self.flat = flat
        self.resolution = resolution
    }

    /// `value` mapped linearly from minimum…maximum onto 0…extent-1 (clamped,
    /// rounded to nearest). 0 for an empty or inverted range or an extent below 2.
    /// Extents are capped at 2^31 (so the arithmetic stays in 64 bits).
    public func scale(_ value: Int32, to extent: Int) -> Int {
        guard extent > 1, maximum > minimum else { return 0 }
        let clamped = Int64(min(max(value, minimum), maximum))
        let span = Int64(maximum) - Int64(minimum)          // < 2^32
        let offset = clamped - Int64(minimum)               // ≤ span
        let target = Int64(min(extent - 1, Int(Int32.max))) // < 2^31
        return Int((offset * target + span / 2) / span)
    }
}

/// `virtio_input_devids`.
public struct InputDeviceIDs: Equatable {
    public var bustype: UInt16
    public var vendor: UInt16
    public var product: UInt16
    public var version: UInt16

    public init(bustype: UInt16, vendor: UInt16, product: UInt16, version: UInt16) {
        self.bustype = bustype
        self.vendor = vendor
        self.product = product
        self.version = version
    }
}

/// What kind of input device this is, from its capabilities (a device may be
/// several, or none Lumen uses).
public struct InputDeviceClass: OptionSet, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// EV_KEY has the letter keys.
    public static let keyboard = InputDeviceClass(rawValue: 1 << 0)
    /// EV_REL has REL_X and REL_Y.
    public static let mouse = InputDeviceClass(rawValue: 1 << 1)
    /// EV_ABS has ABS_X and ABS_Y.
    public static let tablet = InputDeviceClass(rawValue: 1 << 2)
}

/// Everything the device's config space says about it.
public struct InputCapabilities: Equatable {
    /// Event types the device answered EV_BITS for with a non-empty answer
    /// (bit n = type n); EV_REP counts when the answer has any size.
    public var eventTypes: InputBitmap
    public var properties: InputBitmap
    public var keys: InputBitmap
    public var relativeAxes: InputBitmap
    public var absoluteAxes: InputBitmap
    public var leds: InputBitmap
    /// ABS_INFO for each absolute axis the device has and answered for.
    public var absoluteInfo: [AbsoluteAxisInfo]

    public init(eventTypes: InputBitmap = InputBitmap(), properties: InputBitmap = InputBitmap(),
                keys: InputBitmap = InputBitmap(), relativeAxes: InputBitmap = InputBitmap(),
                absoluteAxes: InputBitmap = InputBitmap(), leds: InputBitmap = InputBitmap(),
                absoluteInfo: [AbsoluteAxisInfo] = []) {
        self.eventTypes = eventTypes
        self.properties = properties
        self.keys = keys
        self.relativeAxes = relativeAxes
        self.absoluteAxes = absoluteAxes
        self.leds = leds
        self.absoluteInfo = absoluteInfo
    }

    public func absoluteInfo(axis: UInt16) -> AbsoluteAxisInfo? {
        for info in absoluteInfo where info.axis == axis { return info }
        return nil
    }

    /// The letter keys (KEY_Q … KEY_P, KEY_A … KEY_L, KEY_Z … KEY_M).
    static let letterKeys: [Int] = Array(16...25) + Array(30...38) + Array(44...50)

    public var classes: InputDeviceClass {
        var result: InputDeviceClass = []
        if InputCapabilities.letterKeys.allSatisfy({ keys.contains($0) }) { result.insert(.keyboard) }
        if relativeAxes.contains(RelativeAxis.x) && relativeAxes.contains(RelativeAxis.y) { result.insert(.mouse) }
        if absoluteAxes.contains(AbsoluteAxis.x) && absoluteAxes.contains(AbsoluteAxis.y) { result.insert(.tablet) }
        return result
    }

    /// The keyboard LEDs the device has (of Num, Caps and Scroll Lock … up to LED 15).
    public var supportedLEDs: InputLEDs {
        var mask: UInt16 = 0
        for bit in 0..<16 where leds.contains(bit) { mask |= 1 << UInt16(bit) }
        return InputLEDs(rawValue: mask)
    }
}

/// The events between two `SYN_REPORT`s: one coherent change of the device
/// (a key, a pointer move with its buttons, a tablet position).
public struct InputFrame: Equatable {
    public var events: [InputEvent]

    public init(events: [InputEvent]) { self.events = events }

    /// Summed relative motion on `axis` (REL_X, REL_Y, REL_WHEEL …).
    public func relative(_ axis: UInt16) -> Int {
        var total = 0
        for event in events where event.type == InputEventType.relative && event.code == axis { total += Int(event.value) }
        return total
    }

    /// The last absolute value on `axis`, if the frame has one.
    public func absolute(_ axis: UInt16) -> Int32? {
        var last: Int32? = nil
        for event in events where event.type == InputEventType.absolute && event.code == axis { last = event.value }
        return last
    }

    /// The `EV_KEY` events (keys and buttons) in order.
    public var keyEvents: [InputEvent] { events.filter { $0.type == InputEventType.key } }
}
