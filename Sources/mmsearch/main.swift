import MMSearchKit
print("mmsearch")
