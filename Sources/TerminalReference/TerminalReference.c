// See include/TerminalReference.h.
#include "TerminalReference.h"

#include <stdlib.h>
#include <string.h>
#include <vterm.h>

typedef struct {
    VTermScreenCell *cells;
    int columns;     // cells used
    int allocated;   // cells allocated
} ScrollbackLine;

struct ReferenceTerminal {
    VTerm *vt;
    VTermScreen *screen;
    VTermState *state;

    uint8_t *output;
    size_t outputCount, outputCapacity;

    int cursorVisible;
    int cursorBlinking;
    int cursorShape;
    int reverseVideo;
    int alternateScreen;
    int bells;
    char title[1024];

    ScrollbackLine *scrollback;  // ring
    int scrollbackCapacity;
    int scrollbackCount;
    int scrollbackStart;  // index of the oldest kept line
    long scrollbackPushed;
};

static void on_output(const char *bytes, size_t length, void *user) {
    ReferenceTerminal *terminal = user;
    if (terminal->outputCount + length > terminal->outputCapacity) {
        size_t capacity = terminal->outputCapacity ? terminal->outputCapacity : 256;
        while (capacity < terminal->outputCount + length) capacity *= 2;
        uint8_t *grown = realloc(terminal->output, capacity);
        if (!grown) return;
        terminal->output = grown;
        terminal->outputCapacity = capacity;
    }
    memcpy(terminal->output + terminal->outputCount, bytes, length);
    terminal->outputCount += length;
}

static int on_settermprop(VTermProp prop, VTermValue *value, void *user) {
    ReferenceTerminal *terminal = user;
    switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
        terminal->cursorVisible = value->boolean;
        break;
    case VTERM_PROP_CURSORBLINK:
        terminal->cursorBlinking = value->boolean;
        break;
    case VTERM_PROP_CURSORSHAPE:
        terminal->cursorShape = value->number;
        break;
    case VTERM_PROP_REVERSE:
        terminal->reverseVideo = value->boolean;
        break;
    case VTERM_PROP_ALTSCREEN:
        terminal->alternateScreen = value->boolean;
        break;
    case VTERM_PROP_TITLE:
        if (value->string) {
            strncpy(terminal->title, value->string, sizeof terminal->title - 1);
            terminal->title[sizeof terminal->title - 1] = 0;
        }
        break;
    default:
        break;
    }
    return 1;
}

static int on_bell(void *user) {
    ReferenceTerminal *terminal = user;
    terminal->bells++;
    return 1;
}

static int on_pushline(int columns, const VTermScreenCell *cells, void *user) {
    ReferenceTerminal *terminal = user;
    terminal->scrollbackPushed++;
    if (terminal->scrollbackCapacity <= 0) return 1;
    int slot;
    if (terminal->scrollbackCount < terminal->scrollbackCapacity) {
        slot = (terminal->scrollbackStart + terminal->scrollbackCount) % terminal->scrollbackCapacity;
        terminal->scrollbackCount++;
    } else {
        slot = terminal->scrollbackStart;
        terminal->scrollbackStart = (terminal->scrollbackStart + 1) % terminal->scrollbackCapacity;
    }
    ScrollbackLine *line = &terminal->scrollback[slot];
    if (line->allocated < columns) {
        VTermScreenCell *grown = realloc(line->cells, sizeof(VTermScreenCell) * (size_t)columns);
        if (!grown) {
            line->columns = 0;
            return 1;
        }
        line->cells = grown;
        line->allocated = columns;
    }
    memcpy(line->cells, cells, sizeof(VTermScreenCell) * (size_t)columns);
    line->columns = columns;
    // The cells come through vterm_screen_get_cell, which folds DECSCNM into
    // the reverse flag; keep the cells' own rendition.
    if (terminal->reverseVideo) {
        for (int column = 0; column < columns; column++) line->cells[column].attrs.reverse ^= 1;
    }
    return 1;
}

static int on_popline(int columns, VTermScreenCell *cells, void *user) {
    (void)columns;
    (void)cells;
    (void)user;
    return 0;  // never give lines back (Lumen reflows on resize instead)
}

static const VTermScreenCallbacks screenCallbacks = {
    .settermprop = on_settermprop,
    .bell = on_bell,
    .sb_pushline = on_pushline,
    .sb_popline = on_popline,
};

// Without sb_pushline libvterm's screen layer skips reading out the lines it
// scrolls away (for measuring libvterm without a scrollback).
static const VTermScreenCallbacks screenCallbacksWithoutScrollback = {
    .settermprop = on_settermprop,
    .bell = on_bell,
};

ReferenceTerminal *reference_terminal_new(int rows, int columns, int scrollbackLines) {
    ReferenceTerminal *terminal = calloc(1, sizeof *terminal);
    if (!terminal) return NULL;
    terminal->vt = vterm_new(rows, columns);
    vterm_set_utf8(terminal->vt, 1);
    vterm_output_set_callback(terminal->vt, on_output, terminal);
    terminal->screen = vterm_obtain_screen(terminal->vt);
    terminal->state = vterm_obtain_state(terminal->vt);
    vterm_screen_set_callbacks(terminal->screen, scrollbackLines < 0 ? &screenCallbacksWithoutScrollback : &screenCallbacks,
                               terminal);
    vterm_screen_enable_altscreen(terminal->screen, 1);
    terminal->cursorVisible = 1;
    terminal->cursorShape = VTERM_PROP_CURSORSHAPE_BLOCK;
    vterm_screen_reset(terminal->screen, 1);
    if (scrollbackLines > 0) {
        terminal->scrollback = calloc((size_t)scrollbackLines, sizeof(ScrollbackLine));
        if (terminal->scrollback) terminal->scrollbackCapacity = scrollbackLines;
    }
    return terminal;
}

void reference_terminal_free(ReferenceTerminal *terminal) {
    if (!terminal) return;
    vterm_free(terminal->vt);
    for (int index = 0; index < terminal->scrollbackCapacity; index++) free(terminal->scrollback[index].cells);
    free(terminal->scrollback);
    free(terminal->output);
    free(terminal);
}

void reference_terminal_feed(ReferenceTerminal *terminal, const uint8_t *bytes, size_t count) {
    if (count == 0) return;
    vterm_input_write(terminal->vt, (const char *)bytes, count);
}

void reference_terminal_resize(ReferenceTerminal *terminal, int rows, int columns) {
    vterm_set_size(terminal->vt, rows, columns);
}

int reference_terminal_rows(const ReferenceTerminal *terminal) {
    int rows, columns;
    vterm_get_size(terminal->vt, &rows, &columns);
    return rows;
}

int reference_terminal_columns(const ReferenceTerminal *terminal) {
    int rows, columns;
    vterm_get_size(terminal->vt, &rows, &columns);
    return columns;
}

static void convert_color(const VTermColor *color, int isForeground, uint8_t *kind, uint32_t *value) {
    if (isForeground ? VTERM_COLOR_IS_DEFAULT_FG(color) : VTERM_COLOR_IS_DEFAULT_BG(color)) {
        *kind = REFERENCE_COLOR_DEFAULT;
        *value = 0;
    } else if (VTERM_COLOR_IS_INDEXED(color)) {
        *kind = REFERENCE_COLOR_INDEXED;
        *value = color->indexed.idx;
    } else {
        *kind = REFERENCE_COLOR_RGB;
        *value = ((uint32_t)color->rgb.red << 16) | ((uint32_t)color->rgb.green << 8) | color->rgb.blue;
    }
}

static void convert_cell(const VTermScreenCell *source, ReferenceCell *cell) {
    memset(cell, 0, sizeof *cell);
    for (int index = 0; index < REFERENCE_MAX_CHARS && index < VTERM_MAX_CHARS_PER_CELL; index++) {
        cell->chars[index] = source->chars[index];
        if (source->chars[index] == 0) break;
    }
    cell->width = source->width;
    cell->bold = source->attrs.bold;
    cell->underline = source->attrs.underline;
    cell->italic = source->attrs.italic;
    cell->blink = source->attrs.blink;
    cell->reverse = source->attrs.reverse;
    cell->strike = source->attrs.strike;
    convert_color(&source->fg, 1, &cell->foregroundKind, &cell->foreground);
    convert_color(&source->bg, 0, &cell->backgroundKind, &cell->background);
}

void reference_terminal_cell(const ReferenceTerminal *terminal, int row, int column, ReferenceCell *cell) {
    VTermScreenCell source;
    VTermPos position = {.row = row, .col = column};
    memset(&source, 0, sizeof source);
    if (!vterm_screen_get_cell(terminal->screen, position, &source)) {
        memset(cell, 0, sizeof *cell);
        cell->width = 1;
        return;
    }
    convert_cell(&source, cell);
    // The screen layer folds DECSCNM into every cell's reverse flag; report the
    // cell's own rendition (the mode is reported by reference_terminal_reverse_video).
    if (terminal->reverseVideo) cell->reverse = !cell->reverse;
}

void reference_terminal_cursor(const ReferenceTerminal *terminal, int *row, int *column) {
    VTermPos position;
    vterm_state_get_cursorpos(terminal->state, &position);
    *row = position.row;
    *column = position.col;
}

int reference_terminal_cursor_visible(const ReferenceTerminal *terminal) { return terminal->cursorVisible; }
int reference_terminal_alternate_screen(const ReferenceTerminal *terminal) { return terminal->alternateScreen; }
int reference_terminal_cursor_blinking(const ReferenceTerminal *terminal) { return terminal->cursorBlinking; }
int reference_terminal_cursor_shape(const ReferenceTerminal *terminal) { return terminal->cursorShape; }
int reference_terminal_reverse_video(const ReferenceTerminal *terminal) { return terminal->reverseVideo; }
int reference_terminal_bell_count(const ReferenceTerminal *terminal) { return terminal->bells; }
const char *reference_terminal_title(const ReferenceTerminal *terminal) { return terminal->title; }

size_t reference_terminal_take_output(ReferenceTerminal *terminal, uint8_t *buffer, size_t capacity) {
    size_t count = terminal->outputCount < capacity ? terminal->outputCount : capacity;
    memcpy(buffer, terminal->output, count);
    memmove(terminal->output, terminal->output + count, terminal->outputCount - count);
    terminal->outputCount -= count;
    return count;
}

long reference_terminal_scrollback_pushed(const ReferenceTerminal *terminal) { return terminal->scrollbackPushed; }
int reference_terminal_scrollback_count(const ReferenceTerminal *terminal) { return terminal->scrollbackCount; }

void reference_terminal_scrollback_cell(const ReferenceTerminal *terminal, int index, int column, ReferenceCell *cell) {
    memset(cell, 0, sizeof *cell);
    cell->width = 1;
    if (index < 0 || index >= terminal->scrollbackCount) return;
    const ScrollbackLine *line = &terminal->scrollback[(terminal->scrollbackStart + index) % terminal->scrollbackCapacity];
    if (column < 0 || column >= line->columns) return;
    convert_cell(&line->cells[column], cell);
    // The screen layer marks a wide character's right half with 0xFFFFFFFF and
    // reports width 2 on its left half only through vterm_screen_get_cell; a
    // pushed line carries the raw cells, whose width field is already set.
}
