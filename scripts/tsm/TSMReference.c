// See TSMReference.h.
#include "TSMReference.h"

#include <libtsm.h>
#include <stdlib.h>

struct TSMReference {
    struct tsm_screen *screen;
    struct tsm_vte *vte;
};

// Answers to the application (DA, DSR) are dropped: nothing reads them here.
static void ignore_write(struct tsm_vte *vte, const char *u8, size_t len, void *data) {
    (void)vte; (void)u8; (void)len; (void)data;
}

TSMReference *tsm_reference_new(int rows, int columns, int scrollbackLines) {
    TSMReference *terminal = calloc(1, sizeof *terminal);
    if (!terminal) return NULL;
    if (tsm_screen_new(&terminal->screen, NULL, NULL) < 0) goto fail;
    if (tsm_screen_resize(terminal->screen, (unsigned)columns, (unsigned)rows) < 0) goto fail;
    tsm_screen_set_max_sb(terminal->screen, scrollbackLines > 0 ? (unsigned)scrollbackLines : 0);
    if (tsm_vte_new(&terminal->vte, terminal->screen, ignore_write, NULL, NULL, NULL) < 0) goto fail;
    return terminal;
fail:
    tsm_reference_free(terminal);
    return NULL;
}

void tsm_reference_free(TSMReference *terminal) {
    if (!terminal) return;
    if (terminal->vte) tsm_vte_unref(terminal->vte);
    if (terminal->screen) tsm_screen_unref(terminal->screen);
    free(terminal);
}

void tsm_reference_feed(TSMReference *terminal, const uint8_t *bytes, size_t count) {
    tsm_vte_input(terminal->vte, (const char *)bytes, count);
}

struct cell_query {
    unsigned row, column;
    uint32_t found;
};

static int find_cell(struct tsm_screen *screen, uint64_t id, const uint32_t *ch, size_t len, unsigned width,
                     unsigned posx, unsigned posy, const struct tsm_screen_attr *attr, tsm_age_t age, void *data) {
    (void)screen; (void)id; (void)width; (void)attr; (void)age;
    struct cell_query *query = data;
    if (posy == query->row && posx == query->column) query->found = len > 0 ? ch[0] : 0;
    return 0;
}

uint32_t tsm_reference_cell(TSMReference *terminal, int row, int column) {
    struct cell_query query = { (unsigned)row, (unsigned)column, 0 };
    tsm_screen_draw(terminal->screen, find_cell, &query);
    return query.found;
}
