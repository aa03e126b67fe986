# Manual pages. The sources are hand-written templates (man/*.in); their
# settings paragraphs are written at build time by the built crm-admin
# (`crm-admin config --man`, see man/expand.sh) from the table the programs
# read, so a page cannot list a setting that is gone or miss a new one.
# Included by the top-level Makefile.am; only appends to its variables.
CRM_MAN_PAGES = man/crm-api.8 man/crm-pushd.8 man/crm-worker.8 man/crm-admin.8 \
	man/crm-migrate.8 man/crm.env.5
nodist_man_MANS = $(CRM_MAN_PAGES)
CLEANFILES += $(CRM_MAN_PAGES)
EXTRA_DIST += man/expand.sh $(CRM_MAN_PAGES:=.in)

# The pages, rendered with groff's warnings on, the settings held to
# `crm-admin config`, and every program's --help, --version and refusals.
TESTS += tests/man/check_man.sh
EXTRA_DIST += tests/man/check_man.sh

$(CRM_MAN_PAGES): crm-admin$(EXEEXT) $(srcdir)/man/expand.sh Makefile
	$(AM_V_GEN)mkdir -p man && $(SHELL) $(srcdir)/man/expand.sh ./crm-admin$(EXEEXT) \
	    $(srcdir)/$@.in sysconfdir='$(sysconfdir)' pkgdatadir='$(pkgdatadir)' \
	    prefix='$(prefix)' PACKAGE_VERSION='$(PACKAGE_VERSION)' > $@.tmp && mv $@.tmp $@
man/crm-api.8: $(srcdir)/man/crm-api.8.in
man/crm-pushd.8: $(srcdir)/man/crm-pushd.8.in
man/crm-worker.8: $(srcdir)/man/crm-worker.8.in
man/crm-admin.8: $(srcdir)/man/crm-admin.8.in
man/crm-migrate.8: $(srcdir)/man/crm-migrate.8.in
man/crm.env.5: $(srcdir)/man/crm.env.5.in
