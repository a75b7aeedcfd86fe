/// The G0 and G1 designations and which of them is invoked into GL (SI selects
/// G0, SO selects G1).
struct CharsetState: Equatable {
    var g0: Charset = .ascii
    var g1: Charset = .ascii
    var shiftedOut = false

    /// The set printable characters go through now.
    var active: Charset { shiftedOut ? g1 : g0 }

    /// False in the usual case (ASCII invoked), so printing can skip mapping.
    var isMapping: Bool { active != .ascii }
}
