/* Endpoint scheduling: which association's timer runs next and which associations may
 * have a packet to send, at a cost that does not grow with the number of associations.
 *
 * Timers: every open association with a deadline has one entry in a min-heap keyed by
 * assoc_deadline. Each entry point that touches an association puts it on the touched
 * list (ep_assoc_changed); before the endpoint answers for its deadline or runs timers,
 * the touched associations get their key computed again (refresh_touched). So the
 * endpoint's deadline is the heap's top, a timeout visits only the associations whose
 * deadline has come, and an association that takes a burst of packets has its key
 * computed once, not per packet.
 *
 * Output: associations that may have something to send (assoc_output_pending) wait in a
 * FIFO queue; mpsctp_endpoint_send takes one packet from the first, which then goes to
 * the back (round robin), or leaves the queue when it has nothing. An association out of
 * the queue only gets something to send again through an entry point that touches it (a
 * packet, a timer, an API call), and that puts it back. */
#include <stddef.h>

#include "assoc.h"

static mpsctp_assoc *owner_of(theap_node *n)
{
    return (mpsctp_assoc *)(void *)((char *)n - offsetof(mpsctp_assoc, tnode));
}

static void out_push(mpsctp_endpoint *ep, mpsctp_assoc *a)
{
    a->out_queued = 1;
    a->out_next = NULL;
    a->out_prev = ep->out_tail;
    if (ep->out_tail)
        ep->out_tail->out_next = a;
    else
        ep->out_head = a;
    ep->out_tail = a;
}

static void out_unlink(mpsctp_endpoint *ep, mpsctp_assoc *a)
{
    if (!a->out_queued)
        return;
    if (a->out_prev)
        a->out_prev->out_next = a->out_next;
    else
        ep->out_head = a->out_next;
    if (a->out_next)
        a->out_next->out_prev = a->out_prev;
    else
        ep->out_tail = a->out_prev;
    a->out_next = a->out_prev = NULL;
    a->out_queued = 0;
}

int ep_sched_reserve(mpsctp_endpoint *ep)
{
    return timerheap_reserve(&ep->timers, ep->nassocs + 1);
}

/* Files a under its current deadline. Room was reserved when a was made, so this never
 * fails. */
static void timer_update(mpsctp_assoc *a)
{
    timerheap_set(&a->ep->timers, &a->tnode, assoc_deadline(a));
}

/* Files every touched association under its deadline again. */
static void refresh_touched(mpsctp_endpoint *ep)
{
    mpsctp_assoc *a;
    while ((a = ep->touched)) {
        ep->touched = a->touched_next;
        a->touched_next = NULL;
        a->touched = 0;
        timer_update(a);
    }
}

/* Puts a on the touched list: its deadline is computed again before it is needed. */
static void touch(mpsctp_assoc *a)
{
    if (a->touched)
        return;
    a->touched = 1;
    a->touched_next = a->ep->touched;
    a->ep->touched = a;
}

/* Queues a for mpsctp_endpoint_next_readable when it has data to read. */
static void note_readable(mpsctp_assoc *a)
{
    if (a->rd_queued || !a->rx_ready || !reasm_readable(&a->ra))
        return;
    mpsctp_endpoint *ep = a->ep;
    a->rd_queued = 1;
    a->rd_next = NULL;
    if (ep->rd_tail)
        ep->rd_tail->rd_next = a;
    else
        ep->rd_head = a;
    ep->rd_tail = a;
}

static void rd_unlink(mpsctp_endpoint *ep, mpsctp_assoc *a)
{
    if (!a->rd_queued)
        return;
    mpsctp_assoc **pp = &ep->rd_head, *prev = NULL;
    while (*pp != a) {
        prev = *pp;
        pp = &(*pp)->rd_next;
    }
    *pp = a->rd_next;
    if (ep->rd_tail == a)
        ep->rd_tail = prev;
    a->rd_next = NULL;
    a->rd_queued = 0;
}

mpsctp_assoc *mpsctp_endpoint_next_readable(mpsctp_endpoint *ep)
{
    mpsctp_assoc *a = ep->rd_head;
    if (!a)
        return NULL;
    ep->rd_head = a->rd_next;
    if (!ep->rd_head)
        ep->rd_tail = NULL;
    a->rd_next = NULL;
    a->rd_queued = 0;
    return a;
}

void ep_assoc_changed(mpsctp_assoc *a)
{
    touch(a);
    note_readable(a);
    if (a->out_queued)
        return;
    if (assoc_output_pending(a))
        out_push(a->ep, a);
    else
        assoc_output_over(a); /* what an output call finding nothing would do */
}

void ep_assoc_handled(mpsctp_assoc *a)
{
    ep_index_assoc(a);
    ep_assoc_changed(a);
}

void ep_sched_remove(mpsctp_assoc *a)
{
    refresh_touched(a->ep); /* takes a off the touched list too */
    timerheap_set(&a->ep->timers, &a->tnode, MPSCTP_TSTAMP_NEVER);
    out_unlink(a->ep, a);
    rd_unlink(a->ep, a); /* a walk, but only for one still queued: rare when freed */
}

/* Builds the next packet of the associations in the output queue, one packet per
 * association in turn; an association that has nothing leaves the queue. Returns its
 * length, or 0 when none has anything. */
static size_t queue_output(mpsctp_endpoint *ep, uint8_t *buf, size_t cap, mpsctp_addr *local,
                           mpsctp_addr *remote, mpsctp_tstamp now)
{
    mpsctp_assoc *a;
    while ((a = ep->out_head)) {
        size_t n = assoc_output(a, buf, cap, local, remote, now);
        if (n || a->ctrl_head) {
            /* Its next packet after the others'. (Control chunks queued while building,
             * an ABORT when memory ran out, go next time: output never leaves the first
             * one unsent.) Output starts T3 and may abort: the deadline moves. (An abort
             * leaves index entries, which lookups skip, until it is handled next.) */
            if (a->out_next) {
                out_unlink(ep, a);
                out_push(ep, a);
            }
        } else {
            /* Out of the queue until something touches it again. */
            out_unlink(ep, a);
        }
        touch(a);
        if (n)
            return n;
    }
    return 0;
}

ssize_t mpsctp_endpoint_send(mpsctp_endpoint *ep, uint8_t *buf, size_t cap,
                             mpsctp_addr *local, mpsctp_addr *remote, mpsctp_tstamp now)
{
    if (cap < ep->cfg.mtu)
        return MPSCTP_ERR_NOBUFS;
    /* Packets without an association (INIT ACK, replies out of the blue) go first. */
    size_t n;
    if (!ep->replies || !ep_reply_take(ep, buf, cap, local, remote, &n))
        n = queue_output(ep, buf, cap, local, remote, now);
    if (!n)
        return 0;
    sctp_checksum_set(ep->crc, buf, n);
    ep->stats.packets_out++;
    if (ep->cb.trace)
        ep->cb.trace(ep->cb.user, 1, buf, n, local, remote, now);
    return (ssize_t)n;
}

mpsctp_tstamp mpsctp_endpoint_deadline(mpsctp_endpoint *ep)
{
    refresh_touched(ep); /* keys of the associations touched since: brought up to date */
    return timerheap_min(&ep->timers);
}

void mpsctp_endpoint_timeout(mpsctp_endpoint *ep, mpsctp_tstamp now)
{
    /* The expired associations leave the heap first, so that each runs its timers once
     * even when its next deadline is again at or before now. */
    refresh_touched(ep);
    mpsctp_assoc *due = NULL, **tail = &due;
    while (timerheap_min(&ep->timers) <= now) {
        mpsctp_assoc *a = owner_of(timerheap_top(&ep->timers));
        timerheap_set(&ep->timers, &a->tnode, MPSCTP_TSTAMP_NEVER);
        a->due_next = NULL;
        *tail = a;
        tail = &a->due_next;
    }
    for (mpsctp_assoc *a = due, *next; a; a = next) {
        next = a->due_next;
        a->due_next = NULL;
        if (a->state != MPSCTP_CLOSED)
            assoc_timeout(a, now);
        /* A timer is where an association that has gone quiet notices: what it no
         * longer needs goes back (not on every ack, where a busy sender would free and
         * grow its ring again and again). */
        assoc_trim(a);
        ep_assoc_handled(a);
    }
}

int ep_sched_verify(const mpsctp_endpoint *ep)
{
    if (timerheap_verify(&ep->timers))
        return -1;
    uint32_t filed = 0, touched = 0;
    for (const mpsctp_assoc *a = ep->touched; a; a = a->touched_next)
        if (!a->touched || a->ep != ep || ++touched > ep->nassocs)
            return -1;
    for (const mpsctp_assoc *a = ep->assocs; a; a = a->next) {
        mpsctp_tstamp k = timerheap_key(&ep->timers, &a->tnode);
        filed += k != MPSCTP_TSTAMP_NEVER;
        touched -= a->touched;
        if (!a->touched && k != assoc_deadline(a))
            return -1;
    }
    if (filed != ep->timers.n || touched)
        return -1;
    uint32_t queued = 0, marked = 0;
    for (const mpsctp_assoc *a = ep->out_head; a; a = a->out_next) {
        if (!a->out_queued || a->ep != ep || ++queued > ep->nassocs)
            return -1;
        if (a->out_next ? a->out_next->out_prev != a : ep->out_tail != a)
            return -1;
    }
    for (const mpsctp_assoc *a = ep->assocs; a; a = a->next)
        marked += a->out_queued;
    return queued == marked ? 0 : -1;
}
