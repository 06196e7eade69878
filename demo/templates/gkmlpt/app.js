/* demo fixture: built by demo/build_portal.py; made: a stand-in for the gkmlpt app, which
 * lists window._CONFIG.API_ROOT + '/all/{category}?page=N&sid=' + SID. */
(function () {})();
