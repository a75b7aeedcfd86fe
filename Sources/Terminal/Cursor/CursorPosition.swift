/// Where the next character goes.
///
/// `pendingWrap` is the VT100's "last column flag": after a character lands in
/// the last column with autowrap on, the cursor stays there and the *next*
/// printable character wraps first. Any explicit cursor movement clears it.
struct CursorPosition: Equatable {
    var row = 0
    var column = 0
    var pendingWrap = false
}
