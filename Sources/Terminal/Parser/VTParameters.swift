/// The numeric parameters of a CSI or DCS sequence, without allocation.
///
/// Parameters are separated by `;`. A parameter may carry colon-separated
/// sub-parameters (ITU T.416 style, e.g. `38:2::255:128:0` for a direct colour),
/// so each parameter is a *group* of one or more components; component 0 is the
/// parameter's own value. An empty field reads as 0 (`CSI ;5H` is `[0], [5]`), and
/// a sequence with no parameter bytes at all has `count == 0`.
///
/// Limits (as in vte): 16 parameters and 32 components in total. Values
/// saturate at 65535. A sequence that exceeds a limit is flagged `ignoring` by the
/// parser; what fitted is still readable.
public struct VTParameters {
    public static let maximumCount = 16
    public static let maximumComponentCount = 32

    /// All components of all groups, in order.
    private var components = InlineArray<32, UInt16>(repeating: 0)
    /// Exclusive end, in `components`, of each closed group.
    private var groupEnds = InlineArray<16, UInt8>(repeating: 0)
    /// Number of closed groups.
    public private(set) var count: Int = 0
    private var componentCount: Int = 0
    /// Where the open group starts in `components` (the last closed group's
    /// end): kept apart so that closing a group never reads `groupEnds` back
    /// right after writing it (a store-forwarding stall on the hot path).
    private var openGroupStart: Int = 0
    /// The value being accumulated from digits.
    private var current: UInt16 = 0
    /// Any parameter byte seen since `removeAll` (so a final byte closes a group).
    private var hasBytes = false
    /// Some parameter has sub-parameters. Without them (nearly always) parameter
    /// i is simply component i, and the accessors skip the group bookkeeping.
    private var hasSubparameters = false
    /// A limit was hit; the parser turns this into `ignoring`.
    private(set) var overflowed = false

    public init() {}

    /// Builds parameters from groups, for tests and for callers that synthesise
    /// sequences: `VTParameters([[1], [38, 2, 0, 255, 0, 0]])`.
    public init(_ groups: [[UInt16]]) {
        for group in groups {
            for (index, value) in group.enumerated() {
                if index > 0 { pushComponent(); hasSubparameters = true }
                current = value
                hasBytes = true
            }
            pushComponent()
            closeGroup()
            current = 0
        }
        hasBytes = false
    }

    public var isEmpty: Bool { count == 0 }

    /// Parameter `index`'s value (component 0); 0 when absent.
    public subscript(index: Int) -> UInt16 { read { $0[index] } }

    /// Parameter `index` as an Int, with `defaultValue` when it is absent or 0.
    public func value(at index: Int, default defaultValue: Int) -> Int {
        read { $0.value(at: index, default: defaultValue) }
    }

    /// Number of components of parameter `index` (1 + its sub-parameters); 0 when absent.
    public func componentCount(at index: Int) -> Int { read { $0.componentCount(at: index) } }

    /// Component `component` of parameter `index`; 0 when absent.
    public func component(_ component: Int, at index: Int) -> UInt16 {
        read { $0.component(component, at: index) }
    }

    /// Runs `body` with a view that reads the parameters in place, as the parser
    /// hands them to its performer. `mutating` only to get at the storage
    /// without a copy: reading an `InlineArray` of a borrowed value makes the
    /// compiler (Swift 6.3) copy the whole array first, and right after the
    /// parser's two-byte stores that copy also stalls on store forwarding.
    @inline(__always)
    mutating func withView<Result>(_ body: (VTParameterView) -> Result) -> Result {
        let count = count
        let hasSubparameters = hasSubparameters
        return withUnsafeMutableBytes(of: &components) { components in
            withUnsafeMutableBytes(of: &groupEnds) { groupEnds in
                body(VTParameterView(components: UnsafeBufferPointer(components.assumingMemoryBound(to: UInt16.self)),
                                     groupEnds: UnsafeBufferPointer(groupEnds.assumingMemoryBound(to: UInt8.self)),
                                     count: count, hasSubparameters: hasSubparameters))
            }
        }
    }

    /// `withView` on a copy, for the accessors above (tests, callers building
    /// sequences); the parser's path never copies.
    private func read<Result>(_ body: (VTParameterView) -> Result) -> Result {
        var copy = self
        return copy.withView(body)
    }

    // MARK: Accumulation, driven by the parser

    mutating func removeAll() {
        count = 0
        componentCount = 0
        openGroupStart = 0
        current = 0
        hasBytes = false
        hasSubparameters = false
        overflowed = false
    }

    /// Feeds a `param` byte: a digit, `;` or `:`.
    @inline(__always)
    mutating func accept(_ byte: UInt8) {
        hasBytes = true
        let digit = byte &- 0x30
        if digit < 10 {
            // Saturating: an absurd value stays absurd rather than wrapping to a
            // sane one. (In 32 bits 65535 × 10 + 9 cannot overflow.)
            current = UInt16(truncatingIfNeeded: min(UInt32(current) &* 10 &+ UInt32(digit), 0xFFFF))
            return
        }
        switch byte {
        case UInt8(ascii: ";"):
            pushComponent()
            closeGroup()
            current = 0
        case UInt8(ascii: ":"):
            pushComponent()
            current = 0
            hasSubparameters = true
        default:
            break  // not a parameter byte: the parser never sends one
        }
    }

    /// Appends a whole parameter without sub-parameters: the parser's fast
    /// path, which has already read its digits. Past the limit it only sets
    /// `overflowed`, as `accept` would have.
    @inline(__always)
    mutating func appendParameter(_ value: UInt16) {
        guard count < VTParameters.maximumCount else {
            overflowed = true
            return
        }
        components[count] = value
        groupEnds[count] = UInt8(truncatingIfNeeded: count + 1)
        count += 1
        componentCount = count
        openGroupStart = count
    }

    /// Closes the last parameter when the final byte arrives.
    mutating func finish() {
        guard hasBytes else { return }
        pushComponent()
        closeGroup()
        current = 0
        hasBytes = false
    }

    private mutating func pushComponent() {
        guard componentCount < VTParameters.maximumComponentCount else {
            overflowed = true
            return
        }
        components[componentCount] = current
        componentCount += 1
    }

    private mutating func closeGroup() {
        guard count < VTParameters.maximumCount else {
            overflowed = true
            return
        }
        // A group whose components all overflowed would be empty; keep it
        // readable as a zero rather than borrowing the previous group's end.
        if componentCount == openGroupStart {
            overflowed = true
            return
        }
        groupEnds[count] = UInt8(truncatingIfNeeded: componentCount)
        openGroupStart = componentCount
        count += 1
    }
}

/// The parameters of a CSI or DCS sequence as the parser hands them to its
/// performer: a read-only view of the parser's own storage (vte's `&Params`),
/// valid only during the call (a performer that keeps parameters copies their
/// values out). It has the accessors of `VTParameters`.
public struct VTParameterView {
    let components: UnsafeBufferPointer<UInt16>
    let groupEnds: UnsafeBufferPointer<UInt8>
    /// Number of parameters.
    public let count: Int
    let hasSubparameters: Bool

    public var isEmpty: Bool { count == 0 }

    /// Parameter `index`'s value (component 0); 0 when absent.
    @inline(__always)
    public subscript(index: Int) -> UInt16 {
        if !hasSubparameters { return index >= 0 && index < count ? components[index] : 0 }
        return component(0, at: index)
    }

    /// Parameter `index` as an Int, with `defaultValue` when it is absent or 0
    /// (the ECMA-48 convention: `CSI 0 A` and `CSI A` both move one line).
    @inline(__always)
    public func value(at index: Int, default defaultValue: Int) -> Int {
        let raw = self[index]
        return raw == 0 ? defaultValue : Int(raw)
    }

    /// Number of components of parameter `index` (1 + its sub-parameters); 0 when absent.
    @inline(__always)
    public func componentCount(at index: Int) -> Int {
        guard index >= 0 && index < count else { return 0 }
        if !hasSubparameters { return 1 }
        return Int(groupEnds[index]) - groupStart(index)
    }

    /// Component `component` of parameter `index`; 0 when absent.
    public func component(_ component: Int, at index: Int) -> UInt16 {
        guard component >= 0 && component < componentCount(at: index) else { return 0 }
        return components[groupStart(index) + component]
    }

    private func groupStart(_ index: Int) -> Int {
        index == 0 ? 0 : Int(groupEnds[index - 1])
    }
}
