"""tap-msaccess: a Singer tap that copies an MS Access file (.mdb/.accdb) faithfully."""
