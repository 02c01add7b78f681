"""The static site: pages generated from the knowledge base, built with MkDocs Material and
indexed with Pagefind (``govkb site build``)."""
from govkb.site.build import SiteBuildError, build_site, serve_site

__all__ = ["SiteBuildError", "build_site", "serve_site"]
