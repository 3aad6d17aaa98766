"""Real payloads from public sources, used as test data (each says where it came from)."""

# A Hikvision access terminal's HTTP-listening post (fingerprint pass, 5/38, attendance check-in), as
# captured from a DS-K1T terminal and published in a public GitHub repository's notes ("response if
# clockin"); found with the project's code search. Tabs and field order as the device sent them.
HIK_CLOCKIN_JSON = b"""{
\t"ipAddress":\t"192.168.1.11",
\t"portNo":\t4000,
\t"protocol":\t"HTTP",
\t"macAddress":\t"a4:d5:c2:24:dd:74",
\t"channelID":\t1,
\t"dateTime":\t"2025-10-22T13:43:48+08:00",
\t"activePostCount":\t1,
\t"eventType":\t"AccessControllerEvent",
\t"eventState":\t"active",
\t"eventDescription":\t"Access Controller Event",
\t"AccessControllerEvent":\t{
\t\t"deviceName":\t"Access Controller",
\t\t"majorEventType":\t5,
\t\t"subEventType":\t38,
\t\t"cardNo":\t"11",
\t\t"cardType":\t1,
\t\t"name":\t"hex",
\t\t"cardReaderKind":\t1,
\t\t"cardReaderNo":\t1,
\t\t"verifyNo":\t165,
\t\t"employeeNoString":\t"001",
\t\t"serialNo":\t139,
\t\t"userType":\t"normal",
\t\t"currentVerifyMode":\t"cardOrFaceOrFp",
\t\t"frontSerialNo":\t138,
\t\t"attendanceStatus":\t"checkIn",
\t\t"label":\t"Check In",
\t\t"statusValue":\t0,
\t\t"mask":\t"unknown",
\t\t"purePwdVerifyEnable":\ttrue
\t}
}"""

# The same terminal's "door closed" post (5/22, not a pass), same source ("response if clockout").
HIK_DOOR_CLOSED_JSON = b"""{
\t"ipAddress":\t"192.168.1.11",
\t"portNo":\t4000,
\t"protocol":\t"HTTP",
\t"macAddress":\t"a4:d5:c2:24:dd:74",
\t"channelID":\t1,
\t"dateTime":\t"2025-10-22T13:55:52+08:00",
\t"activePostCount":\t1,
\t"eventType":\t"AccessControllerEvent",
\t"eventState":\t"active",
\t"eventDescription":\t"Access Controller Event",
\t"AccessControllerEvent":\t{
\t\t"deviceName":\t"Access Controller",
\t\t"majorEventType":\t5,
\t\t"subEventType":\t22,
\t\t"cardReaderKind":\t1,
\t\t"doorNo":\t1,
\t\t"serialNo":\t159,
\t\t"currentVerifyMode":\t"invalid",
\t\t"frontSerialNo":\t158,
\t\t"attendanceStatus":\t"undefined",
\t\t"label":\t"",
\t\t"statusValue":\t0,
\t\t"mask":\t"unknown",
\t\t"purePwdVerifyEnable":\ttrue
\t}
}"""

# A face-verification pass (5/75) with its FaceRect, and the multipart layout with the "Picture" part
# (image/jpeg, Content-ID pictureImage), as in a public Go test of a Hikvision event extractor
# (found with the project's code search); the MAC address is added (the original notes show the
# terminal's alerts carry one) and the JPEG is a real minimal JFIF file.
HIK_FACE_EVENT = (
    b'{"ipAddress":"10.203.216.162","macAddress":"bc:ba:c2:10:22:33","dateTime":"2026-09-02T13:32:56+08:00",'
    b'"eventType":"AccessControllerEvent","eventDescription":"Access Controller Event","AccessControllerEvent":'
    b'{"majorEventType":5,"subEventType":75,"name":"test1","cardReaderNo":1,"doorNo":1,"employeeNoString":"2",'
    b'"serialNo":4411,"currentVerifyMode":"faceOrFpOrCardOrPw","FaceRect":{"height":0.322,"width":0.183,'
    b'"x":0.471,"y":0.492}}}'
)

# The ISAPI XML form of an alert (EventNotificationAlert, namespace isapi.org ver20), fields as in
# Hikvision's ISAPI access-control documentation (AccessControllerEvent: majorEventType,
# subEventType, cardNo, employeeNoString, currentVerifyMode; dateTime with offset).
HIK_CARD_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>44:19:b6:6d:24:85</macAddress>
<channelID>1</channelID>
<dateTime>2026-11-30T07:41:09+08:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>AccessControllerEvent</eventType>
<eventState>active</eventState>
<eventDescription>Access Controller Event</eventDescription>
<AccessControllerEvent>
<deviceName>Access Controller</deviceName>
<majorEventType>5</majorEventType>
<subEventType>1</subEventType>
<cardNo>3719548213</cardNo>
<cardType>1</cardType>
<cardReaderNo>2</cardReaderNo>
<doorNo>1</doorNo>
<employeeNoString>10086</employeeNoString>
<serialNo>77</serialNo>
<currentVerifyMode>card</currentVerifyMode>
</AccessControllerEvent>
</EventNotificationAlert>"""

# ZKTeco PUSH: the handshake and ATTLOG rows as in ZKTeco's "PUSH SDK User Manual 3.2.0" (the
# example of section "Upload the Attendance Records": PIN, time, status, verify, work code,
# reserved, reserved — tab-separated) and the serial number form of its examples.
ZK_SERIAL = "0316144680030"
ZK_ATTLOG = b"1\t2013-03-22 16:40:10\t0\t1\t0\t0\t0\n2\t2013-03-22 16:41:22\t1\t15\t0\t0\t0\n"

# OPERLOG with an operation row, a user row and a fingerprint template row (TMP= base64), the row
# forms of the same manual ("Upload the Operation Records", "Upload the User Information",
# "Upload the Fingerprint Template"); the template is a fake but well-formed base64 string.
ZK_FP_TEMPLATE_B64 = "TN9TUzIxAAAD0tYECAUHCc7QAAAb02kBAAAAg8ke0pQ2AGIPgQBmAJjRQwBKAI0PYQBQ0pQPLgB="
ZK_OPERLOG = (
    "OPLOG 4\t0\t2013-03-22 16:40:10\t0\t0\t0\t0\n"
    "USER PIN=1\tName=Zhang\tPri=0\tPasswd=\tCard=3719548213\tGrp=1\tTZ=0000000100000000\tVerify=0\n"
    f"FP PIN=1\tFID=6\tSize={len(ZK_FP_TEMPLATE_B64)}\tValid=1\tTMP={ZK_FP_TEMPLATE_B64}\n"
).encode()
