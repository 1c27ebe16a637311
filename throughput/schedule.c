/* schedule.c - which pairs are measured together.
 *
 * A node in two measurements at once would share its CPU and its link
 * between them and halve both figures, so a round holds only disjoint
 * pairs, and every disjoint pair of a round runs in parallel.  The
 * circle method (fix one node, rotate the others) splits all pairs of n
 * nodes into n-1 rounds of n/2 (n even; odd n adds a bye); a --pairs
 * subset is placed first fit in that order, so the full set gets exactly
 * the circle's rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "throughput/throughput.h"

/* Position of pair {a,b} in the circle order of n nodes. */
static unsigned circle_rank(unsigned a, unsigned b, unsigned n)
{
	unsigned m = n % 2 ? n + 1 : n;	/* m - 1 rounds, a bye when odd */

	for (unsigned r = 0; r + 1 < m; r++)
		for (unsigned k = 0; k < m / 2; k++) {
			/* slot 0 stays, the others turn by r */
			unsigned x = k == 0 ? 0 : (k + r - 1) % (m - 1) + 1;
			unsigned y = (m - 1 - k + r - 1) % (m - 1) + 1;

			if ((x == a && y == b) || (x == b && y == a))
				return r * m + k;
		}
	return (unsigned)-1;	/* not a pair of n nodes */
}

struct ranked {
	struct tsn_tput_pair p;
	unsigned rank;
};

static int cmp_rank(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	return a->rank < b->rank ? -1 : a->rank > b->rank;
}

unsigned tsn_tput_schedule(struct tsn_tput_pair *pairs, size_t n,
			   unsigned n_nodes)
{
	struct ranked *r = calloc(n ? n : 1, sizeof(*r));
	unsigned rounds = 0, *busy_until = calloc(n_nodes ? n_nodes : 1,
						  sizeof(*busy_until));

	if (!r || !busy_until) {
		free(r);
		free(busy_until);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){ pairs[i], circle_rank(pairs[i].a,
							       pairs[i].b,
							       n_nodes) };
	qsort(r, n, sizeof(*r), cmp_rank);
	/* busy_until[v]: the first round node v is free in; rounds fill
	 * first fit, a round at a time, so one per node per round */
	for (unsigned round = 0, placed = 0; placed < n; round++) {
		for (size_t i = 0; i < n; i++) {
			struct tsn_tput_pair *p = &r[i].p;

			if (r[i].rank == (unsigned)-2 ||
			    busy_until[p->a] > round || busy_until[p->b] > round)
				continue;
			p->round = round;
			busy_until[p->a] = busy_until[p->b] = round + 1;
			pairs[placed++] = *p;
			r[i].rank = (unsigned)-2;	/* placed */
		}
		rounds = round + 1;
	}
	free(r);
	free(busy_until);
	return rounds;
}

static int find(const struct tsn_inventory *inv, const char *name,
		unsigned *out)
{
	for (size_t i = 0; i < inv->n_nodes; i++)
		if (!strcmp(inv->nodes[i].name, name)) {
			*out = (unsigned)i;
			return 0;
		}
	return -ENOENT;
}

static int parse_one(const struct tsn_inventory *inv, char *tok,
		     struct tsn_tput_pair *p, char *why, size_t len)
{
	char *colon = strchr(tok, ':');

	if (!colon) {
		snprintf(why, len, "--pairs: '%s' is not NODE:NODE", tok);
		return -EINVAL;
	}
	*colon = '\0';
	if (find(inv, tok, &p->a) < 0 || find(inv, colon + 1, &p->b) < 0) {
		snprintf(why, len, "--pairs: no node '%s' in %s",
			 find(inv, tok, &p->a) < 0 ? tok : colon + 1,
			 inv->path);
		return -EINVAL;
	}
	if (p->a == p->b) {
		snprintf(why, len, "--pairs: '%s:%s' is one node", tok,
			 colon + 1);
		return -EINVAL;
	}
	return 0;
}

static bool dup_pair(const struct tsn_tput_pair *p, size_t n,
		     const struct tsn_tput_pair *q)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i].a == q->a && p[i].b == q->b) ||
		    (p[i].a == q->b && p[i].b == q->a))
			return true;
	return false;
}

static int parse_list(const struct tsn_inventory *inv, const char *spec,
		      struct tsn_tput_pair *p, size_t *n, char *why,
		      size_t len)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int ret = copy ? 0 : -ENOMEM;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		ret = parse_one(inv, tok, &p[*n], why, len);
		if (!ret && dup_pair(p, *n, &p[*n])) {
			snprintf(why, len, "--pairs: %s and %s twice",
				 inv->nodes[p[*n].a].name,
				 inv->nodes[p[*n].b].name);
			ret = -EINVAL;
		}
		if (!ret)
			(*n)++;
	}
	if (!ret && *n == 0) {
		snprintf(why, len, "--pairs: no pair given");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

int tsn_tput_pairs(const struct tsn_inventory *inv, const char *spec,
		   struct tsn_tput_pair **out, size_t *n, char *why,
		   size_t len)
{
	size_t all = inv->n_nodes * (inv->n_nodes - 1) / 2, k = 0;
	struct tsn_tput_pair *p;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (spec && strlen(spec) > 65536) {
		snprintf(why, len, "--pairs: too long");
		return -EINVAL;
	}
	/* a list names each pair at most once: never more than all, and
	 * one more slot for the duplicate that is refused */
	p = calloc(all + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (spec) {
		ret = parse_list(inv, spec, p, &k, why, len);
	} else {
		for (unsigned a = 0; a < inv->n_nodes; a++)
			for (unsigned b = a + 1; b < inv->n_nodes; b++)
				p[k++] = (struct tsn_tput_pair){ a, b, 0 };
	}
	if (ret < 0) {
		free(p);
		return ret;
	}
	*out = p;
	*n = k;
	return 0;
}
