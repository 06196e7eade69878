/* demo fixture: built by demo/build_portal.py; made: a stand-in for Hanweb's jpage.js, which
 * renders the <datastore> records of the column page and pages through dataproxy.jsp. */
(function () {})();
