// A small C harness around libtsm (Debian's libtsm-dev, kmscon's terminal
// emulator library): the second peer scripts/terminal-bench measures Lumen's
// Terminal against, beside libvterm (Sources/TerminalReference). Built only by
// scripts/terminal-bench, so the package's own build does not need libtsm.
#ifndef LUMEN_TSM_REFERENCE_H
#define LUMEN_TSM_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct TSMReference TSMReference;

/// A `columns` x `rows` screen keeping up to `scrollbackLines` lines; NULL on failure.
TSMReference *tsm_reference_new(int rows, int columns, int scrollbackLines);
void tsm_reference_free(TSMReference *terminal);
void tsm_reference_feed(TSMReference *terminal, const uint8_t *bytes, size_t count);
/// The first code point of the cell at (row, column), 0 for an empty cell. Walks
/// the screen with tsm_screen_draw, as a renderer would.
uint32_t tsm_reference_cell(TSMReference *terminal, int row, int column);

#endif
