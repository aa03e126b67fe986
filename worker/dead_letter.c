#include "config.h"

#include "dead_letter.h"

#include "dead_letters.h"
#include "log.h"

int dead_letter_handle(struct consume *c, const struct batch *b, int max_deliveries)
{
    int moved = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct batch_item *it = &b->items[i];
        if (it->state != ITEM_REJECTED && it->state != ITEM_MALFORMED)
            continue;
        long long deliveries = consume_deliveries(c, it->src_key, it->id);
        if (deliveries < 0)
            return -1;
        if (deliveries == 0)
            continue; /* acknowledged meanwhile (another worker stored it) */
        if (it->state == ITEM_REJECTED && deliveries < max_deliveries) {
            log_info("stream %s entry %s refused on delivery %lld of %d; it stays pending", it->src_key,
                     it->id, deliveries, max_deliveries);
            continue;
        }
        redisContext *ctx = consume_redis(c);
        if (!ctx)
            return -1;
        /* it->first is 0 unless retry fields src and pos were read: a malformed
         * retry entry keeps all its fields. */
        size_t first = it->first;
        int rc = crm_dead_letter_store(ctx, it->src_key, it->id, it->orig_stream, it->orig_id, deliveries,
                                       it->error ? it->error : "refused", c->consumer, it->fields, first);
        if (rc < 0) {
            log_warn("redis: dead-lettering %s %s failed", it->src_key, it->id);
            if (ctx->err)
                consume_redis_lost(c);
            return -1;
        }
        log_warn("stream %s entry %s dead-lettered after %lld deliveries: %s", it->src_key, it->id,
                 deliveries, it->error ? it->error : "refused");
        moved++;
    }
    return moved;
}
