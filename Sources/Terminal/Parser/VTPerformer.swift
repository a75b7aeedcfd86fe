/// What a `VTParser` reports, one call per parsed element (vte's `Perform`).
///
/// The parser is generic over its performer (`VTParser.advance<P: VTPerformer>`),
/// so calls are direct and specialised: no existential, which Embedded Swift
/// would not allow for a non-class protocol anyway. Every method has an empty
/// default, so a performer implements only what it uses.
public protocol VTPerformer {
    /// A graphic character in ground state: a printable ASCII byte, or a scalar
    /// decoded from UTF-8 (U+FFFD for ill-formed input).
    mutating func print(_ scalar: UInt32)

    /// A run of printable ASCII (0x20–0x7E) in ground state: the same as calling
    /// `print` for each byte, which is what the default does. Text is mostly such
    /// runs, so a performer can go faster by handling a run at once.
    mutating func printASCII(_ run: UnsafeBufferPointer<UInt8>)

    /// A C0 control (0x00–0x1F) to run now, including CAN and SUB that abort a
    /// sequence. Controls arriving inside CSI and escape sequences are executed
    /// too, without disturbing the sequence (as on a VT100).
    mutating func execute(_ byte: UInt8)

    /// `CSI intermediates parameters final`. `parameters` is a view of the
    /// parser's storage, valid during the call. `ignoring` is set when the sequence
    /// overflowed the parameter or intermediate limits; a terminal should then
    /// not act on it.
    mutating func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8)

    /// `ESC intermediates final`.
    mutating func escDispatch(intermediates: VTIntermediates, ignoring: Bool, final: UInt8)

    /// Start of a device control string; `put` follows for each data byte,
    /// then `unhook`.
    mutating func hook(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8)
    mutating func put(_ byte: UInt8)
    mutating func unhook()

    /// A complete operating system command. `bellTerminated` says it ended with
    /// BEL rather than ST, so replies can use the same terminator (as xterm does).
    /// A command aborted by CAN or SUB is not dispatched.
    mutating func oscDispatch(_ payload: VTOSCPayload, bellTerminated: Bool)
}

extension VTPerformer {
    public mutating func print(_ scalar: UInt32) {}
    public mutating func printASCII(_ run: UnsafeBufferPointer<UInt8>) {
        for byte in run { print(UInt32(byte)) }
    }
    public mutating func execute(_ byte: UInt8) {}
    public mutating func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {}
    public mutating func escDispatch(intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {}
    public mutating func hook(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {}
    public mutating func put(_ byte: UInt8) {}
    public mutating func unhook() {}
    public mutating func oscDispatch(_ payload: VTOSCPayload, bellTerminated: Bool) {}
}
