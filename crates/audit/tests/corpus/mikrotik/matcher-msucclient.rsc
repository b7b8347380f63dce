# 2024-03-05 09:20:11 by RouterOS 7.12.1
# software id = 8QXW-2L5K
#
# model = RB4011iGS+
/interface vlan
add interface=bridge name=vlan30-voice vlan-id=30
/ip pool
add name=voice-pool ranges=10.20.30.10-10.20.30.200
/ip dhcp-server
add address-pool=voice-pool interface=vlan30-voice name=dhcp1
/ip dhcp-server option
add code=42 name=NTP value="'10.20.0.1'"
add code=43 name=lync-43 value=0x010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
add code=120 name=lync-120 value=0x00046C796E63077363686572747A056C6F63616C00
/ip dhcp-server option sets
add name=lync options=lync-43,lync-120
/ip dhcp-server matcher
add address-pool=voice-pool code=60 name=ms-uc-client option-set=lync server=dhcp1 value="MSUCClient" matching-type=exact
/ip dhcp-server network
add address=10.20.30.0/24 dns-server=10.20.0.10 gateway=10.20.30.1 ntp-server=10.20.0.1
/system identity
set name=branch-gw
