// A small C harness around libvterm (Debian's libvterm-dev, 0.1.x): the
// reference emulator Lumen's Terminal is compared with in
// Tests/TerminalDifferentialTests and measured against in scripts/terminal-bench.
//
// It owns one VTerm in UTF-8 mode with the screen layer and the alternate screen
// enabled, collects what the emulator would send back to the application, keeps
// the lines the screen pushes into its scrollback (a bounded ring), and exposes
// cells in a flat struct Swift can read without knowing libvterm's bitfields.
// PseudoTerminal.c adds a forkpty helper the vttest recordings use (Swift's
// Glibc module does not expose the pty functions).
#ifndef LUMEN_TERMINAL_REFERENCE_H
#define LUMEN_TERMINAL_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ReferenceTerminal ReferenceTerminal;

enum {
    REFERENCE_COLOR_DEFAULT = 0,
    REFERENCE_COLOR_INDEXED = 1,
    REFERENCE_COLOR_RGB = 2,
};

enum { REFERENCE_MAX_CHARS = 6 };

typedef struct {
    /// The base character then combining marks, 0-terminated when shorter.
    /// chars[0] == 0: an empty (erased, never written) cell.
    /// chars[0] == 0xFFFFFFFF: the right half of a wide character.
    uint32_t chars[REFERENCE_MAX_CHARS];
    /// 1, or 2 for the left half of a wide character.
    int32_t width;
    uint8_t bold, underline, italic, blink, reverse, strike;
    /// REFERENCE_COLOR_*; `foreground` / `background` hold the palette index or 0xRRGGBB.
    uint8_t foregroundKind, backgroundKind;
    uint32_t foreground, background;
} ReferenceCell;

/// A `columns` x `rows` terminal keeping up to `scrollbackLines` pushed lines;
/// with `scrollbackLines` < 0 libvterm is not asked for the lines at all.
ReferenceTerminal *reference_terminal_new(int rows, int columns, int scrollbackLines);
void reference_terminal_free(ReferenceTerminal *terminal);

void reference_terminal_feed(ReferenceTerminal *terminal, const uint8_t *bytes, size_t count);
void reference_terminal_resize(ReferenceTerminal *terminal, int rows, int columns);

int reference_terminal_rows(const ReferenceTerminal *terminal);
int reference_terminal_columns(const ReferenceTerminal *terminal);

/// The cell at (row, column) of the active screen, 0-based.
void reference_terminal_cell(const ReferenceTerminal *terminal, int row, int column, ReferenceCell *cell);
void reference_terminal_cursor(const ReferenceTerminal *terminal, int *row, int *column);
int reference_terminal_cursor_visible(const ReferenceTerminal *terminal);
int reference_terminal_alternate_screen(const ReferenceTerminal *terminal);
int reference_terminal_cursor_blinking(const ReferenceTerminal *terminal);
/// 1 block, 2 underline, 3 bar (libvterm's VTERM_PROP_CURSORSHAPE_*).
int reference_terminal_cursor_shape(const ReferenceTerminal *terminal);
/// DECSCNM (CSI ? 5 h): the whole screen in reverse video.
int reference_terminal_reverse_video(const ReferenceTerminal *terminal);
int reference_terminal_bell_count(const ReferenceTerminal *terminal);
/// The title (OSC 0 / 2) as UTF-8, NUL-terminated; "" when none was set.
const char *reference_terminal_title(const ReferenceTerminal *terminal);

/// Bytes the emulator answered (DA, DSR, ...); copies up to `capacity` of them
/// into `buffer` and removes them. Returns how many were copied.
size_t reference_terminal_take_output(ReferenceTerminal *terminal, uint8_t *buffer, size_t capacity);

/// Lines pushed into the scrollback so far (all of them, including those the
/// ring has since dropped).
long reference_terminal_scrollback_pushed(const ReferenceTerminal *terminal);
/// Lines the ring holds (at most `scrollbackLines`).
int reference_terminal_scrollback_count(const ReferenceTerminal *terminal);
/// Cell `column` of kept scrollback line `index` (0: the oldest kept). Columns
/// past the line's width read as empty cells.
void reference_terminal_scrollback_cell(const ReferenceTerminal *terminal, int index, int column, ReferenceCell *cell);

/// Runs `path` with `argv` and `envp` in a new session on a new pseudo-terminal
/// of `rows` x `columns` (forkpty), for recording vttest. Stores the master side
/// in *master; returns the child's pid, or -1.
int reference_spawn_in_pty(const char *path, char *const argv[], char *const envp[], int rows, int columns,
                           int *master);

#ifdef __cplusplus
}
#endif

#endif
