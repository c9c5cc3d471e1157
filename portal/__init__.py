"""The customer self-service portal (``/portal/``): account, sign-up, login and notifications.
Qualifications and signatures live in ``signatures.views``, templates in ``templates.views``;
the helpers they share are in ``portal.helpers``."""
