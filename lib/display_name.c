#include "config.h"

#include "display_name.h"

#include <stdint.h>
#include <unictype.h>
#include <unistr.h>

/* Joiners and variation selectors shape the character before them; after an
 * ASCII letter they only hide a difference ("Pat\u200dPatient"). */
static int shaping_mark(ucs4_t uc)
{
    return uc == 0x200c || uc == 0x200d || (uc >= 0xfe00 && uc <= 0xfe0f) || (uc >= 0xe0100 && uc <= 0xe01ef);
}

int crm_display_name_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    if (u8_check(p, n))
        return 0;
    size_t chars = 0;
    int visible = 0;
    ucs4_t prev = 0;
    for (size_t i = 0; i < n; chars++) {
        ucs4_t uc;
        i += (size_t)u8_mbtouc(&uc, p + i, n - i);
        if (shaping_mark(uc)) {
            if (prev < 0x80 || shaping_mark(prev))
                return 0;
        } else if (uc_is_general_category(uc, UC_CATEGORY_C) /* Cc Cf Cs Co Cn */ ||
                   uc_is_general_category(uc, UC_CATEGORY_Zl) || uc_is_general_category(uc, UC_CATEGORY_Zp) ||
                   uc_is_property_default_ignorable_code_point(uc) || uc == 0x7f) {
            return 0;
        } else if (!uc_is_general_category(uc, UC_CATEGORY_Z)) {
            visible = 1;
        }
        prev = uc;
    }
    return visible && chars >= 1 && chars <= CRM_DISPLAY_NAME_MAX;
}
