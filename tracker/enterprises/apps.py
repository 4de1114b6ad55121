from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    """The registers the speeches govern: 企业台账, 网格, 巡查检查 and 标准化创建.

    A wing of the tracker: it reads the core's units and users; the core never imports it.
    """

    name = "tracker.enterprises"
    label = "enterprises"
    verbose_name = "企业台账与网格"

    def ready(self):
        # Tasks can be measured by the register's figures (tracker.extensions).
        from tracker.enterprises import measures

        measures.register()
