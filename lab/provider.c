/*
 * provider.c - which provider a lab has: the one its topology names
 * (`provider:`, netns by default) when it is brought up, the one its
 * state directory records afterwards.
 */
#include <stdio.h>
#include <string.h>

#include "lab/provider.h"

const struct lab_provider *
lab_provider_find(const char *name)
{
	if (name == NULL || strcmp(name, "netns") == 0)
		return &lab_provider_netns;
	if (strcmp(name, "remote") == 0)
		return &lab_provider_remote;
	return NULL;
}

const struct lab_provider *
lab_provider_of(const struct lab *lab)
{
	const struct lab_provider *p =
	    lab_provider_find(lab->l_topo.t_provider[0] ?
	    lab->l_topo.t_provider : NULL);

	return p != NULL ? p : &lab_provider_netns;
}

const struct lab_provider *
lab_provider_running(const char *name)
{
	char dir[LAB_PATH_MAX], path[LAB_PATH_MAX + 16], word[16] = "";
	const struct lab_provider *p;
	FILE *f;

	lab_state_dir(name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/provider", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(word, sizeof(word), f) == NULL)
			word[0] = '\0';
		fclose(f);
	}
	word[strcspn(word, "\n")] = '\0';
	p = lab_provider_find(word[0] ? word : NULL);
	return p != NULL ? p : &lab_provider_netns;
}
