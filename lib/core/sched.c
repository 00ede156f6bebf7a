/* Stream schedulers (sched.h): lookup by id and the helpers they share. */
#include "sched.h"

const sched_ops *sched_by_id(uint32_t id)
{
    static const sched_ops *const all[] = {&sched_fcfs, &sched_prio, &sched_rr,
                                           &sched_fc,   &sched_wfq,  &sched_rrp};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i]->id == id)
            return all[i];
    return NULL;
}

int sched_pick_min(sendq *q, sendq_ok_fn ok, void *ctx, int use_key)
{
    int best = -1;
    uint64_t best_v = 0;
    for (uint16_t sid = q->act_head; sid != SENDQ_NONE; sid = q->streams[sid].act_next) {
        const sstream *s = &q->streams[sid];
        uint64_t v = use_key ? s->ss_key : s->ss_value;
        if ((best < 0 || v < best_v) && ok(ctx, s->head)) {
            best = sid;
            best_v = v;
        }
    }
    return best;
}

void sched_key_activate(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    if (s->ss_key < q->vtime)
        s->ss_key = q->vtime;
}

int sched_key_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    return sched_pick_min(q, ok, ctx, 1);
}

void sched_key_served(sendq *q, uint16_t sid, uint64_t inc)
{
    sstream *s = &q->streams[sid];
    if (s->ss_key > q->vtime)
        q->vtime = s->ss_key;
    s->ss_key += inc;
    sched_to_tail(q, sid);
}
