"""The reviewer console: the review page, the queue's columns and filters, and the dashboard
that the Django admin shows. Views translate HTTP into one service call and its outcome into a
page or a message; the services do every write."""
