"""Great Expectations Data Docs that open offline, written wherever the lake is.

GX's pages load Bootstrap, jQuery, bootstrap-table, vega and font-awesome from public CDNs, and its index
fills the table of validations in the browser with bootstrap-table: opened without internet the index lists
nothing and the pages have no layout. GX ships none of those files (only its own stylesheet, fonts and
images, which it copies into the report's `static/`), and no installed package does either. So the site is
built with GX's own supported hooks: the site builders' `view` classes are the ones below, whose templates
(data_docs/) write the index's rows into the page, take the logo from `static/images` and drive tabs and
collapsible panels with a short script of their own, and whose stylesheet (GX's custom-styles hook,
inlined into every page) styles the classes the pages use; what remains of GX's references to the web
(stylesheet links, a background image) is dropped as each page is rendered.

A lake on a URI (`s3a://`, `abfss://`, `gs://`) gets its Data Docs through pyarrow's filesystem
(wkw.files): the site is built in a local temporary folder and then copied there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.fs as pafs
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import ChoiceLoader, FileSystemLoader

from wkw import files

TEMPLATES = Path(__file__).with_name("data_docs")
# A stylesheet link or a script loaded from another origin ("https://...", "//..."), and a CSS url() there.
REMOTE = r"""["'](?:https?:)?//"""
REMOTE_TAG = re.compile(rf"<link\b[^>]*\bhref={REMOTE}[^>]*>|<script\b[^>]*\bsrc={REMOTE}[^>]*>\s*</script>")
REMOTE_CSS_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//[^)]*\)""")


def without_remote_assets(html: str) -> str:
    """The page with no stylesheet, script or CSS image that the browser would fetch from another origin."""
    return REMOTE_CSS_URL.sub("none", REMOTE_TAG.sub("", html))


class _Offline:
    """GX's Jinja view with this package's templates and stylesheet first, and no remote assets."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(str(TEMPLATES), custom_views_directory)
        self.env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), self.env.loader])

    def render(self, document, template=None, **kwargs) -> str:
        return without_remote_assets(super().render(document, template, **kwargs))


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """A validation's or a suite's page."""


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """The index of the site."""


def _view(cls: type) -> dict:
    return {"module_name": __name__, "class_name": cls.__name__}


def site_config(base_directory: str) -> dict:
    """A site builder's config for Data Docs in a local folder, built with the offline views."""
    section = {"class_name": "DefaultSiteSectionBuilder", "view": _view(OfflinePageView)}
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "show_cta_footer": False,
            "view": _view(OfflineIndexPageView),
        },
        "site_section_builders": {"expectations": section, "validations": section, "profiling": section},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": base_directory},
    }


def is_uri(path: str) -> bool:
    """Whether the reports go to an object store (s3a://, abfss://, gs://...) rather than a local folder."""
    return "://" in path and not path.startswith("file:")


def upload_site(local_dir: str, target: str) -> None:
    """Copy a site built in `local_dir` to `target` (a URI) through pyarrow's filesystem for it."""
    filesystem, path = files.filesystem(target)
    filesystem.create_dir(path, recursive=True)
    local = pafs.LocalFileSystem()
    pafs.copy_files(local_dir, path, source_filesystem=local, destination_filesystem=filesystem)
